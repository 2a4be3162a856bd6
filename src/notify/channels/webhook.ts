import { createHmac, hash } from 'node:crypto';
import { z } from 'zod';
import { classifyStatus, sendHttp, type SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { AlertView, DeliveryOutcome } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/**
 * A generic JSON webhook, signed per the Standard Webhooks spec when `secret` (`whsec_…`) is set.
 * `format: alertmanager` sends Alertmanager's webhook v4 body so existing receivers keep working.
 */
export const webhookChannelSchema = channelBase
  .extend({
    type: z.literal('webhook'),
    url: z.union([z.url(), secretRefSchema]),
    secret: secretRefSchema.optional(),
    format: z.enum(['vigil', 'alertmanager']).default('vigil'),
    /** Alertmanager `receiver` name written into v4 bodies. */
    receiver: z.string().default('vigil'),
  })
  .strict();
/** Webhook channel config with secrets resolved. */
export type WebhookChannelConfig = Resolved<z.infer<typeof webhookChannelSchema>>;

/**
 * The rendered webhook body (already in the configured format): as rendered, `body`; as stored in
 * the outbox, `bodyText`, the exact bytes to post (see `storedWebhookPayload`).
 */
export type WebhookPayload =
  | { type: 'webhook'; body: Record<string, unknown>; bodyText?: undefined }
  | { type: 'webhook'; bodyText: string; body?: undefined };

/** How a stored webhook payload starts; the body's JSON follows it as is (`storedWebhookPayload`). */
const STORED_PREFIX = '{"type":"webhook","body":';

/**
 * The payload as the outbox keeps it: the body serialised once, at enqueue, and embedded as is,
 * `{"type":"webhook","body":<the body's JSON>}`, so that `webhookBodyText` gives the exact bytes
 * back by slicing, without parsing. A group notification carries every alert of its group, up to
 * hundreds of kilobytes: parsing it back into objects and serialising it again for each send was a
 * tenth of the event loop under an alert storm, and keeping it as a JSON string (escaped at
 * enqueue, unescaped at send) still cost about 120 µs per message of 60 alerts, against 50–65 µs
 * now (docs/performance.md, session 15). The row is still plain JSON.
 */
export function storedWebhookPayload(p: WebhookPayload): string {
  return `${STORED_PREFIX}${p.bodyText ?? JSON.stringify(p.body)}}`;
}

/**
 * The body text of a stored webhook payload (as `storedWebhookPayload` writes it), or undefined
 * for any other stored payload, including webhook rows stored before session 15 as
 * `{"type":"webhook","bodyText":"…"}`, which parse as ordinary JSON.
 */
export function webhookBodyText(stored: string): string | undefined {
  return stored.startsWith(STORED_PREFIX) && stored.endsWith('}')
    ? stored.slice(STORED_PREFIX.length, -1)
    : undefined;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** vigil's own webhook body: `{type: "incident.<event>", timestamp, data: {incident, links}}`. */
export function renderWebhook(
  m: MessageInput,
  format: 'vigil' | 'alertmanager',
  receiver = 'vigil',
): WebhookPayload {
  if (format === 'alertmanager') return { type: 'webhook', body: alertmanagerV4(m, receiver) };
  const v = m.view;
  return {
    type: 'webhook',
    body: {
      type: `incident.${m.event}`,
      timestamp: iso(v.resolvedAt && m.event === 'resolved' ? v.resolvedAt : v.triggeredAt),
      data: {
        incident: {
          id: v.id,
          title: v.title,
          severity: v.severity,
          status: v.status,
          service: v.service,
          summary: v.summary ?? null,
          value: v.value ?? null,
          labels: v.labels,
          triggered_at: iso(v.triggeredAt),
          resolved_at: v.resolvedAt ? iso(v.resolvedAt) : null,
          actor: v.actor ?? null,
        },
        message: { title: m.text('title', 'plain'), body: m.text('body', 'plain') },
        links: Object.fromEntries(m.links.map((l) => [l.kind, l.url])),
      },
    },
  };
}

function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, val]) => rest.every((o) => o[k] === val)));
}

/** Alertmanager webhook v4 (`version: "4"`), built from the incident's alerts (or one synthesised). */
function alertmanagerV4(m: MessageInput, receiver: string): Record<string, unknown> {
  const v = m.view;
  const resolved = m.event === 'resolved';
  const alerts: AlertView[] = v.alerts ?? [
    {
      status: resolved ? 'resolved' : 'firing',
      labels: { alertname: v.title, severity: v.severity, service: v.service, ...v.labels },
      annotations: {
        ...(v.summary ? { summary: v.summary } : {}),
        ...(v.runbookUrl ? { runbook_url: v.runbookUrl } : {}),
      },
      startsAt: v.triggeredAt,
      endsAt: v.resolvedAt,
    },
  ];
  const out = alerts.map((a) => ({
    status: resolved ? 'resolved' : a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    endsAt: a.endsAt ? iso(a.endsAt) : '0001-01-01T00:00:00Z',
    generatorURL: a.generatorURL ?? '',
    fingerprint: a.fingerprint ?? hash('sha256', JSON.stringify(a.labels), 'hex').slice(0, 16),
  }));
  const status = out.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  const commonLabels = common(out.map((a) => a.labels));
  return {
    receiver,
    status,
    alerts: out,
    groupLabels:
      v.group?.labels ?? (commonLabels['alertname'] ? { alertname: commonLabels['alertname'] } : {}),
    commonLabels,
    commonAnnotations: common(out.map((a) => a.annotations)),
    externalURL: v.url ?? '',
    version: '4',
    groupKey: v.group?.key ?? `{}:{incident="${v.id}"}`,
    truncatedAlerts: 0,
  };
}

/** A stable Standard Webhooks message id derived from the notification key (same on retries). */
export function webhookMessageId(key: string): string {
  return `msg_${hash('sha256', key, 'base64url').slice(0, 27)}`;
}

/** Standard Webhooks v1 signature: base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the decoded whsec_ secret. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Posts the body (serialised once, signed over exactly those bytes); only 2xx is success. */
export function sendWebhook(
  cfg: WebhookChannelConfig,
  p: WebhookPayload,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const body = p.bodyText ?? JSON.stringify(p.body);
  const id = webhookMessageId(ctx.key);
  const timestamp = Math.floor(ctx.now / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'vigil',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
  };
  if (cfg.secret) headers['webhook-signature'] = signStandardWebhook(cfg.secret, id, timestamp, body);
  const req = { method: 'POST' as const, url: cfg.url, headers, body };
  return sendHttp(req, ctx, (r) => classifyStatus(r, ctx.now), redact);
}
