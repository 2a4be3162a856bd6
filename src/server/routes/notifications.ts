import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseIncidentRef } from '../../incidents/incident.ts';
import { getIncidentByNumber } from '../../incidents/incident-store.ts';
import { notificationRequestSchema, notificationResponseSchema } from '../../notify/api.ts';
import type { DispatchContext } from '../../notify/dispatch.ts';
import { routeNotifications } from '../../notify/dispatch.ts';
import { enqueueNotifications, listDeliveries } from '../../notify/outbox.ts';
import type { IncidentView } from '../../notify/types.ts';
import { VigilError, type FieldIssue } from '../../shared/errors.ts';
import type { RouteFactory } from '../app.ts';
import { defineRoute } from '../route.ts';

/** What the notification routes need besides the app context. */
export interface NotificationRoutesOptions {
  dispatch: DispatchContext;
  /** Called after notifications were committed (pokes the outbox runner). */
  onEnqueued?: () => void;
}

const deliverySchema = z.object({
  key: z.string(),
  event: z.string(),
  userId: z.string().nullable(),
  channelId: z.string(),
  channelType: z.string(),
  target: z.string().nullable(),
  status: z.string(),
  scheduledAt: z.string(),
  attempts: z.number(),
  lastError: z.string().nullable(),
  lastStatus: z.number().nullable(),
  finishedAt: z.string().nullable(),
  log: z.array(
    z.object({
      at: z.string(),
      outcome: z.string(),
      httpStatus: z.number().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Channel names in a request: a channel id, or a channel type (`slack`, `sms`, …) meaning every
 * configured channel of that type (the seed's `channels: [slack, pagerduty, email, sms]`).
 */
function pickChannels(dispatch: DispatchContext, names: readonly string[]): string[] {
  const issues: FieldIssue[] = [];
  const ids: string[] = [];
  names.forEach((name, i) => {
    if (dispatch.channels.has(name)) return void ids.push(name);
    const byType = [...dispatch.channels.values()].filter((c) => c.type === name).map((c) => c.id);
    if (byType.length === 0)
      issues.push({ field: `body.channels[${i}]`, message: `no channel ${name} is configured` });
    ids.push(...byType);
  });
  if (issues.length) throw new VigilError('validation_failed', 'unknown channels', issues);
  return [...new Set(ids)];
}

/**
 * `POST /api/v1/notifications` (responder): an ad-hoc notification to channels, rendered as a
 * `triggered` event of the named incident or of a synthetic one (`N-<hash>`), enqueued in the
 * outbox (idempotent by `idempotency_key`) and answered 202 with the keys; and
 * `GET /api/v1/notifications?incident=INC-1` (viewer): the delivery log.
 */
export function notificationRoutes(opts: NotificationRoutesOptions): RouteFactory {
  return (ctx) => [
    defineRoute({
      method: 'POST',
      url: '/api/v1/notifications',
      summary: 'Send an ad-hoc notification to channels through the outbox',
      tag: 'notifications',
      access: 'responder',
      status: 202,
      body: notificationRequestSchema,
      response: notificationResponseSchema,
      handler: async ({ body }) => {
        const channelIds = pickChannels(opts.dispatch, body.channels);
        const now = ctx.clock.now();
        let view: IncidentView;
        if (body.incident !== undefined) {
          const n = parseIncidentRef(body.incident);
          if (n === undefined)
            throw new VigilError('validation_failed', 'bad incident id', [
              { field: 'body.incident', message: 'must look like INC-12 or 12' },
            ]);
          const inc = await getIncidentByNumber(ctx.store.db, n);
          view = {
            id: inc.key,
            title: body.title ?? inc.title,
            service: inc.service,
            triggeredAt: inc.triggeredAt,
            status: inc.status,
            severity: body.severity,
            labels: {},
          };
        } else {
          const seed = body.idempotency_key ?? randomUUID();
          const id = `N-${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`;
          const title = body.title ?? body.message.split('\n')[0]?.slice(0, 200) ?? body.message;
          view = {
            id,
            title,
            service: 'vigil-notify',
            triggeredAt: now,
            status: 'triggered',
            severity: body.severity,
            labels: {},
          };
        }
        view = {
          ...view,
          summary: body.message,
          ...(body.runbook_url ? { runbookUrl: body.runbook_url } : {}),
          ...(body.dashboard_url ? { dashboardUrl: body.dashboard_url } : {}),
        };
        const occurrence = body.idempotency_key
          ? createHash('sha256').update(body.idempotency_key).digest('hex').slice(0, 12)
          : randomUUID().slice(0, 8);
        const items = routeNotifications(opts.dispatch, {
          channelIds,
          event: 'triggered',
          view,
          dueAt: now,
          occurrence,
        });
        const fresh = new Set(await enqueueNotifications(ctx.store, items, now));
        if (fresh.size > 0) opts.onEnqueued?.();
        return {
          incident: view.id,
          notifications: items.map((n) => ({ key: n.key, channel: n.channelId, queued: fresh.has(n.key) })),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/notifications',
      summary: "An incident's delivery log: every notification with every attempt",
      tag: 'notifications',
      access: 'viewer',
      query: z.object({ incident: z.string().min(1).describe('INC-12 (or N-… for ad-hoc notifications)') }),
      response: z.object({ incident: z.string(), notifications: z.array(deliverySchema) }),
      handler: async ({ query }) => {
        const n = parseIncidentRef(query.incident);
        const incident = n === undefined ? query.incident : `INC-${n}`;
        const rows = await listDeliveries(ctx.store, { incident });
        return {
          incident,
          notifications: rows.map((r) => ({
            key: r.key,
            event: r.event,
            userId: r.userId,
            channelId: r.channelId,
            channelType: r.channelType,
            target: r.target,
            status: r.status,
            scheduledAt: iso(r.scheduledAt),
            attempts: r.attempts,
            lastError: r.lastError,
            lastStatus: r.lastStatus,
            finishedAt: r.finishedAt === null ? null : iso(r.finishedAt),
            log: r.log.map((a) => ({
              at: iso(a.at),
              outcome: a.outcome,
              httpStatus: a.httpStatus,
              error: a.error,
            })),
          })),
        };
      },
    }),
  ];
}
