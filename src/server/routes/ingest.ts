import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IngestFormat } from '../../ingest/read-body.ts';
import { VigilError } from '../../shared/errors.ts';
import type { AppContext } from '../context.ts';
import { bodyReaderOf, commitAlerts } from '../ingest-entry.ts';
import { defineRoute, type AnyRoute } from '../route.ts';

const ingestResponse = z.object({
  status: z.enum(['success', 'partial']),
  accepted: z.number(),
  rejected: z.number(),
  /**
   * True when the alerts were applied (incidents opened or updated) before this reply; false when,
   * under concurrent load, the reply came as soon as they were durable and the apply follows.
   */
  applied: z.boolean(),
  /** Incidents this request's alerts opened (known only when `applied`). */
  incidents_opened: z.array(z.string()),
  errors: z.array(z.object({ index: z.number(), field: z.string(), message: z.string() })).optional(),
});

/** When each ingestion request arrived, before any wait at the intake gate (see `noteArrival`). */
const arrivals = new WeakMap<FastifyRequest, number>();

/**
 * Records when an ingestion request arrived, before it waits at the intake gate (ADR 0015). Its
 * alerts count as received then: the gate holds a request while a wave of first pages goes out,
 * and a new group in that request must not have its group_wait start only after the wave.
 */
export function noteArrival(req: FastifyRequest, at: number): void {
  arrivals.set(req, at);
}

/**
 * Stores what was valid, then answers like Alertmanager: 200 when every alert was accepted, 400
 * listing each bad alert by index and field when some (or all) were not. The valid ones are
 * committed either way.
 */
async function answer(
  ctx: AppContext,
  reply: FastifyReply,
  received: unknown,
  source: IngestFormat,
): Promise<unknown> {
  const now = arrivals.get(reply.request) ?? ctx.clock.now();
  const read = await bodyReaderOf(ctx).read({
    format: source,
    // The content-type parser leaves ingestion bodies as text (see app.ts).
    text:
      typeof received === 'string' ? received : received === undefined ? undefined : JSON.stringify(received),
    now,
    resolveTimeoutMs: ctx.loaded.config.server.resolve_timeout,
  });
  if ('notJson' in read) throw new VigilError('bad_request', read.notJson);
  const outcome = await commitAlerts(ctx, { ...read.alerts, receivedAt: now }, source);
  const rejected = read.issues.length === 0 ? 0 : new Set(read.issues.map((i) => i.index)).size;
  ctx.metrics.ingestBatches.inc({ source, outcome: rejected ? 'partial' : 'ok' });
  if (rejected) ctx.metrics.alertsReceived.inc({ source, outcome: 'rejected' }, rejected);
  const body = {
    status: rejected ? 'partial' : 'success',
    accepted: read.alerts.count,
    rejected,
    applied: outcome !== undefined || read.alerts.count === 0,
    incidents_opened: outcome?.opened.map((i) => i.key) ?? [],
    ...(rejected
      ? {
          code: 'validation_failed',
          message: `${rejected} of ${read.received} alerts were rejected; ${read.alerts.count} were stored`,
          errors: read.issues,
        }
      : {}),
  };
  reply.code(rejected ? 400 : 200);
  return body;
}

const INGEST_URLS = new Set([
  '/api/v2/alerts',
  '/integrations/alertmanager',
  '/integrations/alertmanager/:key',
  '/integrations/generic',
  '/integrations/generic/:key',
]);

/** True for a request to one of the ingestion endpoints (by its route pattern). */
export function isIngestRequest(method: string, routeUrl: string | undefined): boolean {
  return method === 'POST' && routeUrl !== undefined && INGEST_URLS.has(routeUrl);
}

/** Ingestion endpoints: Alertmanager API v2 POST, Alertmanager webhook v4, generic JSON. */
export function ingestRoutes(ctx: AppContext): AnyRoute[] {
  const keyParams = z.object({ key: z.string().optional() });
  const integrationRoutes = (url: string, summary: string, source: IngestFormat): AnyRoute[] =>
    [url, `${url}/:key`].map((u) =>
      defineRoute({
        method: 'POST',
        url: u,
        summary,
        tag: 'ingest',
        access: 'integration',
        params: keyParams,
        rawBody: true,
        response: ingestResponse,
        handler: ({ body, reply }) => answer(ctx, reply, body, source),
      }),
    );
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v2/alerts',
      summary: 'Post alerts (Alertmanager API v2); Prometheus can use vigil as its Alertmanager',
      tag: 'alertmanager',
      access: ctx.loaded.config.server.alertmanager_api_auth ? 'integration' : 'public',
      rawBody: true,
      response: ingestResponse,
      handler: ({ body, reply }) => answer(ctx, reply, body, 'alertmanager-api'),
    }),
    ...integrationRoutes(
      '/integrations/alertmanager',
      'Receive an Alertmanager webhook (payload version 4)',
      'alertmanager-webhook',
    ),
    ...integrationRoutes('/integrations/generic', "Receive alerts in vigil's generic JSON format", 'generic'),
  ];
}
