import { z } from 'zod';
import { escapeSlack, truncate } from '../escape.ts';
import { classifyStatus, parseRetryAfter, sendHttp, type HttpResponse, type SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome, NotifyEvent } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/**
 * Slack: an incoming webhook (`webhook_url`) or the Web API with a bot token (`token` +
 * `channel`), which threads follow-ups under the first message (`thread_ts`) and rewrites the
 * first message on resolve (`chat.update`).
 */
export const slackChannelSchema = channelBase
  .extend({
    type: z.literal('slack'),
    webhook_url: secretRefSchema.optional(),
    token: secretRefSchema.optional(),
    channel: z.string().min(1).optional(),
    api_url: z.url().default('https://slack.com/api'),
    update_on_resolve: z.boolean().default(true),
  })
  .strict();
/** Slack channel config with secrets resolved. */
export type SlackChannelConfig = Resolved<z.infer<typeof slackChannelSchema>>;

/** The rendered Slack message (Block Kit). */
export interface SlackPayload {
  type: 'slack';
  event: NotifyEvent;
  text: string;
  blocks: unknown[];
}

/** Slack limits: fallback text, section text, header, field and button sizes, fields per section. */
export const SLACK_LIMITS = { text: 4000, section: 3000, header: 150, field: 2000, fields: 10, button: 75 };

/** Renders Block Kit: header, body section, fact fields, link buttons, context line. */
export function renderSlack(m: MessageInput): SlackPayload {
  const title = m.text('title', 'plain');
  const body = m.text('body', 'slack');
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title || ' ', SLACK_LIMITS.header) } },
  ];
  if (body.trim()) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(body, SLACK_LIMITS.section) } });
  }
  if (m.facts.length) {
    blocks.push({
      type: 'section',
      fields: m.facts.slice(0, SLACK_LIMITS.fields).map((f) => ({
        type: 'mrkdwn',
        text: truncate(`*${escapeSlack(f.name)}*\n${escapeSlack(f.value)}`, SLACK_LIMITS.field),
      })),
    });
  }
  const buttons = m.links.filter((l) => l.url.length <= 3000);
  if (buttons.length) {
    blocks.push({
      type: 'actions',
      elements: buttons.slice(0, 25).map((l) => ({
        type: 'button',
        text: { type: 'plain_text', text: truncate(l.label, SLACK_LIMITS.button) },
        url: l.url,
        action_id: `vigil_${l.kind}`,
        ...(l.kind === 'ack' ? { style: 'primary' } : l.kind === 'resolve' ? { style: 'danger' } : {}),
      })),
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`${m.view.id} · vigil`) }] });
  const text = truncate(`${escapeSlack(title)}\n${body}`, SLACK_LIMITS.text);
  return { type: 'slack', event: m.event, text, blocks };
}

const RETRYABLE_SLACK_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/**
 * Classifies a Web API response: Slack answers HTTP 200 with `{"ok":false,"error":"…"}` for
 * application errors, so the body decides. Transient codes retry; the rest (invalid_auth,
 * channel_not_found, not_in_channel, invalid_blocks, msg_too_long, …) are permanent.
 */
export function classifySlackApi(res: HttpResponse, now: number): DeliveryOutcome {
  if (res.status !== 200) return classifyStatus(res, now);
  let parsed: { ok?: boolean; error?: string; ts?: string; channel?: string };
  try {
    parsed = JSON.parse(res.body) as typeof parsed;
  } catch {
    return { kind: 'retryable', status: 200, error: `unparseable Slack response: ${res.body.slice(0, 200)}` };
  }
  if (parsed.ok) {
    const ref = parsed.ts ? JSON.stringify({ channel: parsed.channel, ts: parsed.ts }) : undefined;
    return ref ? { kind: 'delivered', status: 200, ref } : { kind: 'delivered', status: 200 };
  }
  const code = parsed.error ?? 'unknown_error';
  if (RETRYABLE_SLACK_ERRORS.has(code)) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
    return retryAfterMs === undefined
      ? { kind: 'retryable', status: 200, error: `slack: ${code}` }
      : { kind: 'retryable', status: 200, retryAfterMs, error: `slack: ${code}` };
  }
  return { kind: 'permanent', status: 200, error: `slack: ${code}` };
}

/** Incoming webhooks answer `ok` with 200, plain-text error codes with 4xx. */
function classifySlackWebhook(res: HttpResponse, now: number): DeliveryOutcome {
  return classifyStatus(res, now);
}

/** Sends a Slack payload (webhook, or Web API with threading and update-on-resolve). */
export function sendSlack(
  cfg: SlackChannelConfig,
  p: SlackPayload,
  target: string | undefined,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  if (cfg.webhook_url) {
    const req = {
      method: 'POST' as const,
      url: cfg.webhook_url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: p.text, blocks: p.blocks }),
    };
    return sendHttp(req, ctx, (r) => classifySlackWebhook(r, ctx.now), redact);
  }
  const ref = ctx.ref ? (JSON.parse(ctx.ref) as { channel: string; ts: string }) : undefined;
  const channel = target ?? cfg.channel ?? '';
  let method = 'chat.postMessage';
  let body: Record<string, unknown> = { channel, text: p.text, blocks: p.blocks, unfurl_links: false };
  if (ref && p.event === 'resolved' && cfg.update_on_resolve) {
    method = 'chat.update';
    body = { channel: ref.channel, ts: ref.ts, text: p.text, blocks: p.blocks };
  } else if (ref && p.event !== 'triggered') {
    body['thread_ts'] = ref.ts;
  }
  const req = {
    method: 'POST' as const,
    url: `${cfg.api_url.replace(/\/$/, '')}/${method}`,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${cfg.token ?? ''}`,
    },
    body: JSON.stringify(body),
  };
  return sendHttp(req, ctx, (r) => classifySlackApi(r, ctx.now), redact);
}
