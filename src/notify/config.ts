import { z } from 'zod';
import { durationSchema } from '../config/schema.ts';
import { issueAt, zodIssues, type YamlSource } from '../config/yaml-source.ts';
import type { FieldIssue } from '../shared/errors.ts';
import {
  channelConfigSchema,
  createChannel,
  resolveChannelConfig,
  type Channel,
  type ChannelConfig,
} from './channels/index.ts';
import { templateOverridesSchema, type TemplateOverrides } from './render.ts';
import { Redactor, type SecretSource } from './secrets.ts';
import { compileTemplate, TemplateError } from './template.ts';
import { NOTIFY_SEVERITIES } from './types.ts';
import { userSchema, type UserConfig } from './users.ts';

/** `notifications:` settings: severity → urgency overrides and the one-click link settings. */
export const notificationSettingsSchema = z
  .object({
    urgency: z.partialRecord(z.enum(NOTIFY_SEVERITIES), z.enum(['high', 'low'])).default({}),
    /** Public base URL used in one-click links. */
    public_url: z.url().optional(),
    action_link_ttl: z.string().default('24h'),
    /**
     * How long the payload of a finished notification is kept (default 1h); the row itself (the
     * delivery and page logs) is kept.
     */
    payload_retention: durationSchema
      .default(3_600_000)
      .refine((ms) => ms <= 90 * 86_400_000, 'must be at most 90d'),
  })
  .strict();

/**
 * The notification part of vigil.yaml: `channels`, `users`, `templates`, `notifications`. The
 * root config schema embeds these four keys; each entry is strict (unknown fields are errors).
 */
export const notifyConfigSchema = z.object({
  channels: z.array(channelConfigSchema).default([]),
  users: z.array(userSchema).default([]),
  templates: templateOverridesSchema.default({}),
  notifications: notificationSettingsSchema.default({
    urgency: {},
    action_link_ttl: '24h',
    payload_retention: 3_600_000,
  }),
});
/** The parsed notification config. */
export type NotifyConfig = z.infer<typeof notifyConfigSchema>;

const KEYS = ['channels', 'users', 'templates', 'notifications'] as const;

function duplicates(ids: string[]): Set<number> {
  const seen = new Map<string, number>();
  const dup = new Set<number>();
  ids.forEach((id, i) => (seen.has(id) ? dup.add(i) : seen.set(id, i)));
  return dup;
}

function crossChecks(src: YamlSource, cfg: NotifyConfig): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const channelIds = new Set(cfg.channels.map((c) => c.id));
  for (const i of duplicates(cfg.channels.map((c) => c.id)))
    issues.push(issueAt(src, ['channels', i, 'id'], 'duplicate channel id'));
  cfg.channels.forEach((c, i) => {
    if (c.fallback && !channelIds.has(c.fallback))
      issues.push(issueAt(src, ['channels', i, 'fallback'], `unknown channel "${c.fallback}"`));
    if (c.fallback === c.id)
      issues.push(issueAt(src, ['channels', i, 'fallback'], 'a channel cannot be its own fallback'));
    if (c.type === 'slack' && !!c.webhook_url === !!c.token) {
      issues.push(issueAt(src, ['channels', i], 'slack needs exactly one of webhook_url or token'));
    }
    if (c.type === 'slack' && c.token && !c.channel)
      issues.push(issueAt(src, ['channels', i, 'channel'], 'slack with a token needs channel'));
    if (c.type === 'sms' && !c.from && !c.messaging_service_sid) {
      issues.push(issueAt(src, ['channels', i], 'sms needs from or messaging_service_sid'));
    }
  });
  for (const i of duplicates(cfg.users.map((u) => u.id)))
    issues.push(issueAt(src, ['users', i, 'id'], 'duplicate user id'));
  cfg.users.forEach((u, i) => {
    const methods = new Set(u.contact_methods.map((m) => m.id));
    u.contact_methods.forEach((m, j) => {
      if (!channelIds.has(m.channel))
        issues.push(
          issueAt(src, ['users', i, 'contact_methods', j, 'channel'], `unknown channel "${m.channel}"`),
        );
    });
    for (const urgency of ['high', 'low'] as const) {
      u.notification_rules[urgency].forEach((r, j) => {
        if (!methods.has(r.contact)) {
          issues.push(
            issueAt(
              src,
              ['users', i, 'notification_rules', urgency, j, 'contact'],
              `unknown contact method "${r.contact}"`,
            ),
          );
        }
      });
    }
    if (u.fallback && !methods.has(u.fallback))
      issues.push(issueAt(src, ['users', i, 'fallback'], `unknown contact method "${u.fallback}"`));
  });
  for (const [type, events] of Object.entries(cfg.templates)) {
    for (const [event, fields] of Object.entries(events ?? {})) {
      for (const [field, text] of Object.entries(fields ?? {})) {
        if (typeof text !== 'string') continue;
        try {
          compileTemplate(text);
        } catch (err) {
          if (!(err instanceof TemplateError)) throw err;
          issues.push(
            issueAt(
              src,
              ['templates', type, event, field],
              `template error at character ${err.offset}: ${err.message}`,
            ),
          );
        }
      }
    }
  }
  return issues;
}

/**
 * Validates the notification keys of a config document and returns every issue at once, each
 * located (file, line, column, field): schema errors, unknown references (channels, contact
 * methods, fallbacks), duplicate ids, and template compile errors — so a broken template is
 * reported when the config is loaded, not when a page is due.
 */
export function validateNotifyConfig(src: YamlSource, value: unknown): FieldIssue[] {
  const root = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const picked = Object.fromEntries(KEYS.filter((k) => k in root).map((k) => [k, root[k]]));
  const res = notifyConfigSchema.safeParse(picked);
  if (!res.success) return zodIssues(src, res.error);
  return crossChecks(src, res.data);
}

/** Parses the notification keys (call validateNotifyConfig first for located errors). */
export function parseNotifyConfig(value: unknown): NotifyConfig {
  const root = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return notifyConfigSchema.parse(Object.fromEntries(KEYS.filter((k) => k in root).map((k) => [k, root[k]])));
}

/** Channels ready to send, plus what templates and users need. */
export interface LoadedNotify {
  channels: Map<string, Channel>;
  users: Map<string, UserConfig>;
  templates: TemplateOverrides;
  redactor: Redactor;
  issues: FieldIssue[];
}

/**
 * Resolves every channel's secret references (env or file) once, at load time, and builds the
 * channels. Missing secrets come back as issues naming the field, never the value.
 */
export function loadNotifyChannels(cfg: NotifyConfig, secrets: SecretSource): LoadedNotify {
  const redactor = new Redactor();
  const issues: FieldIssue[] = [];
  const channels = new Map<string, Channel>();
  for (const c of cfg.channels as ChannelConfig[]) {
    const r = resolveChannelConfig(c, secrets, redactor);
    issues.push(...r.issues);
    if (!r.issues.length) channels.set(c.id, createChannel(r.config, redactor));
  }
  return {
    channels,
    users: new Map(cfg.users.map((u) => [u.id, u])),
    templates: cfg.templates as TemplateOverrides,
    redactor,
    issues,
  };
}
