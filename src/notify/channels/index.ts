import { z } from 'zod';
import type { SendContext } from '../http.ts';
import { Redactor, resolveSecret, type SecretSource } from '../secrets.ts';
import type { ChannelType, DeliveryOutcome } from '../types.ts';
import { discordChannelSchema, sendDiscord, type DiscordPayload } from './discord.ts';
import { EmailSender, emailChannelSchema, type EmailPayload } from './email.ts';
import { opsgenieChannelSchema, sendOpsgenie, type OpsgeniePayload } from './opsgenie.ts';
import { pagerdutyChannelSchema, sendPagerDuty, type PagerDutyPayload } from './pagerduty.ts';
import { sendSlack, slackChannelSchema, type SlackPayload } from './slack.ts';
import { sendSms, smsChannelSchema, type SmsPayload } from './sms.ts';
import { sendTeams, teamsChannelSchema, type TeamsPayload } from './teams.ts';
import {
  sendWebhook,
  storedWebhookPayload,
  webhookBodyText,
  webhookChannelSchema,
  type WebhookPayload,
} from './webhook.ts';
import type { FieldIssue } from '../../shared/errors.ts';
import type { Resolved } from './base.ts';

/** One `channels:` entry (strict; `type` selects the fields). */
export const channelConfigSchema = z.discriminatedUnion('type', [
  slackChannelSchema,
  teamsChannelSchema,
  discordChannelSchema,
  pagerdutyChannelSchema,
  opsgenieChannelSchema,
  emailChannelSchema,
  smsChannelSchema,
  webhookChannelSchema,
]);
/** A channel entry as written (secret references unresolved). */
export type ChannelConfig = z.infer<typeof channelConfigSchema>;
/** A channel entry with its secrets resolved. */
export type ResolvedChannelConfig = Resolved<ChannelConfig>;

/** Any channel's rendered payload (JSON-serialisable; stored in the outbox row). */
export type ChannelPayload =
  | SlackPayload
  | TeamsPayload
  | DiscordPayload
  | PagerDutyPayload
  | OpsgeniePayload
  | EmailPayload
  | SmsPayload
  | WebhookPayload;

/** A payload as the outbox row keeps it (JSON; a webhook's body is pre-serialised). */
export function serializePayload(p: ChannelPayload): string {
  return p.type === 'webhook' ? storedWebhookPayload(p) : JSON.stringify(p);
}

/**
 * A stored payload back as the channel sends it: a webhook's body text by slicing (no parse),
 * anything else (and webhook rows of older versions) by JSON.parse, which may throw.
 */
export function parseStoredPayload(stored: string): ChannelPayload {
  const bodyText = webhookBodyText(stored);
  return bodyText !== undefined ? { type: 'webhook', bodyText } : (JSON.parse(stored) as ChannelPayload);
}

/**
 * Default pacing per destination, from each service's documented limits: Slack about 1 msg/s per
 * channel, Teams 4 req/s, Discord ~5 per 2 s per webhook, PagerDuty 120 events/min per key,
 * Twilio 1 msg/s per long-code sender.
 */
export const DEFAULT_RATE_PER_SECOND: Record<ChannelType, number | undefined> = {
  slack: 1,
  teams: 4,
  discord: 2.5,
  pagerduty: 2,
  opsgenie: 10,
  email: undefined,
  sms: 1,
  webhook: undefined,
};

/** A ready-to-use channel: secrets resolved, pacing known, and a `send` that never throws. */
export interface Channel {
  id: string;
  type: ChannelType;
  /** Fallback channel id for routed notifications (from config). */
  fallback: string | undefined;
  timeoutMs: number;
  /** Minimum ms between two sends to one destination (0 = unpaced). */
  minIntervalMs: number;
  /** Channel-specific render options (the webhook body format). */
  renderOptions: { webhookFormat?: 'vigil' | 'alertmanager'; webhookReceiver?: string };
  /** The per-destination queue key: the channel id, plus the target when there is one. */
  destination(target: string | undefined): string;
  send(payload: ChannelPayload, target: string | undefined, ctx: SendContext): Promise<DeliveryOutcome>;
  /** Scrubs this channel's secrets from text. */
  redact(text: string): string;
  close(): void;
}

function walk(
  value: unknown,
  source: SecretSource,
  redactor: Redactor,
  path: (string | number)[],
  issues: FieldIssue[],
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => walk(v, source, redactor, [...path, i], issues));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && (typeof o['env'] === 'string' || typeof o['file'] === 'string')) {
      const r = resolveSecret(o as { env: string } | { file: string }, source);
      if ('error' in r) {
        issues.push({ field: path.join('.'), message: r.error });
        return '';
      }
      redactor.add(r.value);
      return r.value;
    }
    return Object.fromEntries(keys.map((k) => [k, walk(o[k], source, redactor, [...path, k], issues)]));
  }
  return value;
}

/**
 * Resolves every secret reference in a parsed channel entry. Missing env vars / unreadable files
 * are returned as issues (never thrown), and each resolved value is registered with the redactor.
 */
export function resolveChannelConfig(
  cfg: ChannelConfig,
  source: SecretSource,
  redactor: Redactor = new Redactor(),
): { config: ResolvedChannelConfig; redactor: Redactor; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const config = walk(cfg, source, redactor, [`channels.${cfg.id}`], issues) as ResolvedChannelConfig;
  if (config.type === 'sms') redactor.addBasic(config.api_key_sid ?? config.account_sid, config.auth_token);
  return { config, redactor, issues };
}

function mismatch(id: string, want: string, got: string): DeliveryOutcome {
  return { kind: 'permanent', error: `channel ${id} is ${want} but the payload is ${got}` };
}

/** Builds a {@link Channel} from a resolved entry. */
export function createChannel(cfg: ResolvedChannelConfig, redactor: Redactor): Channel {
  const rate = cfg.rate_limit_per_second ?? DEFAULT_RATE_PER_SECOND[cfg.type];
  const redact = (s: string): string => redactor.redact(s);
  const email = cfg.type === 'email' ? new EmailSender(cfg) : undefined;
  const send = (
    p: ChannelPayload,
    target: string | undefined,
    ctx: SendContext,
  ): Promise<DeliveryOutcome> => {
    if (p.type !== cfg.type) return Promise.resolve(mismatch(cfg.id, cfg.type, p.type));
    switch (cfg.type) {
      case 'slack':
        return sendSlack(cfg, p as SlackPayload, target, ctx, redact);
      case 'teams':
        return sendTeams(cfg, p as TeamsPayload, ctx, redact);
      case 'discord':
        return sendDiscord(cfg, p as DiscordPayload, ctx, redact);
      case 'pagerduty':
        return sendPagerDuty(cfg, p as PagerDutyPayload, ctx, redact);
      case 'opsgenie':
        return sendOpsgenie(cfg, p as OpsgeniePayload, ctx, redact);
      case 'email':
        return (email as EmailSender).send(p as EmailPayload, target, ctx, redact);
      case 'sms':
        return sendSms(cfg, p as SmsPayload, target, ctx, redact);
      case 'webhook':
        return sendWebhook(cfg, p as WebhookPayload, ctx, redact);
    }
  };
  return {
    id: cfg.id,
    type: cfg.type,
    fallback: cfg.fallback,
    timeoutMs: cfg.timeout_ms,
    minIntervalMs: rate ? Math.ceil(1000 / rate) : 0,
    renderOptions: cfg.type === 'webhook' ? { webhookFormat: cfg.format, webhookReceiver: cfg.receiver } : {},
    destination: (target) => (target ? `${cfg.id}:${target}` : cfg.id),
    send: async (p, target, ctx) => {
      try {
        return await send(p, target, ctx);
      } catch (err) {
        return { kind: 'retryable', error: redact(`unexpected: ${String(err)}`) };
      }
    },
    redact,
    close: () => email?.close(),
  };
}
