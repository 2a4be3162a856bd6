import { z } from 'zod';
import { escapeDiscord, truncate } from '../escape.ts';
import { classifyStatus, sendHttp, type HttpResponse, type SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/** Discord through a channel webhook (`https://discord.com/api/webhooks/{id}/{token}`, a secret). */
export const discordChannelSchema = channelBase
  .extend({
    type: z.literal('discord'),
    webhook_url: secretRefSchema,
    username: z.string().min(1).max(80).optional(),
  })
  .strict();
/** Discord channel config with secrets resolved. */
export type DiscordChannelConfig = Resolved<z.infer<typeof discordChannelSchema>>;

/** The rendered Discord webhook body. */
export interface DiscordPayload {
  type: 'discord';
  body: {
    content: string;
    embeds: Record<string, unknown>[];
    allowed_mentions: { parse: string[] };
    username?: string;
  };
}

/** Discord limits (content, embed title/description, fields, field name/value, all embeds). */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  embedsTotal: 6000,
};

const COLOR: Record<string, number> = { critical: 15158332, high: 15105570, medium: 16776960, low: 3447003 };

/** Renders content + one embed; text is Discord-escaped and cut to every documented limit. */
export function renderDiscord(m: MessageInput): DiscordPayload {
  const title = truncate(m.text('title', 'plain'), DISCORD_LIMITS.title);
  const links = m.links.map((l) => `[${escapeDiscord(l.label)}](${l.url})`).join(' · ');
  const fields = m.facts.slice(0, DISCORD_LIMITS.fields).map((f) => ({
    name: truncate(f.name, DISCORD_LIMITS.fieldName),
    value: truncate(escapeDiscord(f.value) || '-', DISCORD_LIMITS.fieldValue),
    inline: true,
  }));
  const used = title.length + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const room = Math.max(0, Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedsTotal - used - 50));
  const body = m.text('body', 'discord');
  const description = truncate(links ? `${body}\n${links}` : body, room);
  const embed: Record<string, unknown> = {
    title,
    description,
    color: m.event === 'resolved' ? 3066993 : (COLOR[m.view.severity] ?? 0),
    fields,
    timestamp: new Date(m.view.triggeredAt).toISOString(),
  };
  if (m.view.url) embed['url'] = m.view.url;
  return {
    type: 'discord',
    body: {
      content: truncate(m.text('title', 'discord'), DISCORD_LIMITS.content),
      embeds: [embed],
      allowed_mentions: { parse: [] },
    },
  };
}

/** 429 carries `retry_after` (seconds) in the JSON body as well as the header. */
function classifyDiscord(res: HttpResponse, now: number): DeliveryOutcome {
  const out = classifyStatus(res, now);
  if (res.status === 429 && out.kind === 'retryable' && out.retryAfterMs === undefined) {
    try {
      const s = (JSON.parse(res.body) as { retry_after?: number }).retry_after;
      if (typeof s === 'number') return { ...out, retryAfterMs: Math.ceil(s * 1000) };
    } catch {
      /* keep the plain classification */
    }
  }
  return out;
}

/** Posts to the webhook with `?wait=true` (200 with the message, or 204). */
export function sendDiscord(
  cfg: DiscordChannelConfig,
  p: DiscordPayload,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const url = new URL(cfg.webhook_url);
  url.searchParams.set('wait', 'true');
  const body = cfg.username ? { ...p.body, username: cfg.username } : p.body;
  const req = {
    method: 'POST' as const,
    url: url.toString(),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
  return sendHttp(req, ctx, (r) => classifyDiscord(r, ctx.now), redact);
}
