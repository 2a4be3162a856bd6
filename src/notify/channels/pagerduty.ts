import { z } from 'zod';
import { truncate } from '../escape.ts';
import { classifyStatus, sendHttp, type SendContext } from '../http.ts';
import { dedupKey, type MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome, NotifySeverity } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/** PagerDuty Events API v2 (`routing_key` is the 32-character integration key, a secret). */
export const pagerdutyChannelSchema = channelBase
  .extend({
    type: z.literal('pagerduty'),
    routing_key: secretRefSchema,
    url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    client_url: z.url().optional(),
  })
  .strict();
/** PagerDuty channel config with secrets resolved. */
export type PagerDutyChannelConfig = Resolved<z.infer<typeof pagerdutyChannelSchema>>;

/** The rendered event, without `routing_key` (added at send time so it is never stored). */
export interface PagerDutyPayload {
  type: 'pagerduty';
  body: Record<string, unknown>;
}

/** PagerDuty limits: summary 1,024 chars, dedup_key 255, custom_details kept small. */
export const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255, detail: 4000 };

const SEVERITY: Record<NotifySeverity, string> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/**
 * Maps the event to an Events v2 action with a stable dedup_key (`vigil-<incident>`): triggered
 * and escalated → trigger (PagerDuty dedups), acknowledged → acknowledge, resolved → resolve.
 * Returns null for handoff, which PagerDuty has no event for.
 */
export function renderPagerDuty(m: MessageInput): PagerDutyPayload | null {
  const dedup_key = truncate(dedupKey(m.view), PAGERDUTY_LIMITS.dedupKey, '');
  if (m.event === 'handoff') return null;
  if (m.event === 'acknowledged' || m.event === 'resolved') {
    const event_action = m.event === 'acknowledged' ? 'acknowledge' : 'resolve';
    return { type: 'pagerduty', body: { event_action, dedup_key } };
  }
  const details: Record<string, string> = {};
  for (const f of m.facts) details[f.name] = truncate(f.value, PAGERDUTY_LIMITS.detail);
  const body: Record<string, unknown> = {
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: truncate(m.text('title', 'plain'), PAGERDUTY_LIMITS.summary),
      source: m.view.labels['instance'] ?? m.view.service,
      severity: SEVERITY[m.view.severity],
      timestamp: new Date(m.view.triggeredAt).toISOString(),
      component: m.view.service,
      ...(m.view.labels['alertname'] ? { class: m.view.labels['alertname'] } : {}),
      custom_details: { ...details, body: truncate(m.text('body', 'plain'), PAGERDUTY_LIMITS.detail) },
    },
    links: m.links
      .filter((l) => l.kind !== 'ack' && l.kind !== 'resolve')
      .map((l) => ({ href: l.url, text: l.label })),
    client: 'vigil',
  };
  if (m.view.url) body['client_url'] = m.view.url;
  return { type: 'pagerduty', body };
}

/** Sends the event; 202 accepted, 400 permanent, 429 and 5xx retried. */
export function sendPagerDuty(
  cfg: PagerDutyChannelConfig,
  p: PagerDutyPayload,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const body: Record<string, unknown> = { routing_key: cfg.routing_key, ...p.body };
  if (cfg.client_url && body['client_url'] === undefined && body['event_action'] === 'trigger') {
    body['client_url'] = cfg.client_url;
  }
  const req = {
    method: 'POST' as const,
    url: cfg.url,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  return sendHttp(req, ctx, (r) => classifyStatus(r, ctx.now), redact);
}
