import { z } from 'zod';
import { truncate } from '../escape.ts';
import { classifyStatus, sendHttp, type SendContext } from '../http.ts';
import { dedupKey, type MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome, NotifySeverity } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/**
 * Opsgenie Alert API, also usable against Jira Service Management Ops: `api_url` is
 * `https://api.opsgenie.com` (default), `https://api.eu.opsgenie.com`, or
 * `https://api.atlassian.com/jsm/ops/integration`; `/v2/alerts` is appended. Auth is `GenieKey`.
 */
export const opsgenieChannelSchema = channelBase
  .extend({
    type: z.literal('opsgenie'),
    api_key: secretRefSchema,
    api_url: z.url().default('https://api.opsgenie.com'),
    responders: z
      .array(
        z
          .object({ type: z.enum(['team', 'user', 'escalation', 'schedule']), name: z.string().min(1) })
          .strict(),
      )
      .default([]),
    tags: z.array(z.string()).default([]),
  })
  .strict();
/** Opsgenie channel config with secrets resolved. */
export type OpsgenieChannelConfig = Resolved<z.infer<typeof opsgenieChannelSchema>>;

/** The rendered Opsgenie request: which action, on which alias, with which body. */
export interface OpsgeniePayload {
  type: 'opsgenie';
  action: 'create' | 'acknowledge' | 'close' | 'note';
  alias: string;
  body: Record<string, unknown>;
}

/** Opsgenie limits: message 130, alias 512, description 15,000, note 25,000. */
export const OPSGENIE_LIMITS = { message: 130, alias: 512, description: 15_000, note: 25_000, detail: 8000 };

const PRIORITY: Record<NotifySeverity, string> = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4' };

/**
 * triggered → create (alias = `vigil-<incident>`), acknowledged → acknowledge, resolved → close,
 * escalated → add a note; handoff → null (nothing to send).
 */
export function renderOpsgenie(m: MessageInput): OpsgeniePayload | null {
  const alias = truncate(dedupKey(m.view), OPSGENIE_LIMITS.alias, '');
  const note = truncate(m.text('body', 'plain'), OPSGENIE_LIMITS.note);
  switch (m.event) {
    case 'handoff':
      return null;
    case 'acknowledged':
      return { type: 'opsgenie', action: 'acknowledge', alias, body: { source: 'vigil', note, ...user(m) } };
    case 'resolved':
      return { type: 'opsgenie', action: 'close', alias, body: { source: 'vigil', note, ...user(m) } };
    case 'escalated':
      return { type: 'opsgenie', action: 'note', alias, body: { source: 'vigil', note, ...user(m) } };
    case 'triggered': {
      const details: Record<string, string> = {};
      for (const f of m.facts) details[f.name] = truncate(f.value, OPSGENIE_LIMITS.detail);
      const links = m.links.map((l) => `${l.label}: ${l.url}`).join('\n');
      return {
        type: 'opsgenie',
        action: 'create',
        alias,
        body: {
          message: truncate(m.text('title', 'plain'), OPSGENIE_LIMITS.message),
          alias,
          description: truncate(links ? `${note}\n\n${links}` : note, OPSGENIE_LIMITS.description),
          details,
          entity: m.view.service,
          source: 'vigil',
          priority: PRIORITY[m.view.severity],
        },
      };
    }
  }
}

function user(m: MessageInput): { user?: string } {
  return m.view.actor ? { user: truncate(m.view.actor, 100, '') } : {};
}

/** Sends create / acknowledge / close / note; Opsgenie answers 202 and processes asynchronously. */
export function sendOpsgenie(
  cfg: OpsgenieChannelConfig,
  p: OpsgeniePayload,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const base = `${cfg.api_url.replace(/\/$/, '')}/v2/alerts`;
  const alias = encodeURIComponent(p.alias);
  let url = base;
  let body = p.body;
  if (p.action === 'create') {
    body = { ...p.body, ...(cfg.tags.length ? { tags: cfg.tags } : {}) };
    if (cfg.responders.length) body['responders'] = cfg.responders;
  } else {
    const path = p.action === 'note' ? 'notes' : p.action;
    url = `${base}/${alias}/${path}?identifierType=alias`;
  }
  const req = {
    method: 'POST' as const,
    url,
    headers: { 'content-type': 'application/json', authorization: `GenieKey ${cfg.api_key}` },
    body: JSON.stringify(body),
  };
  return sendHttp(req, ctx, (r) => classifyStatus(r, ctx.now), redact);
}
