import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { parseDuration } from '../shared/duration.ts';
import type { Urgency } from './urgency.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time of day as HH:MM');
const duration = z.string().refine((s) => parseDuration(s) !== undefined, 'a duration like 0, 30s, 2m, 1h');

/** One step of a notification rule: notify this contact method `after` the incident triggered. */
export const notificationRuleSchema = z
  .object({
    contact: z.string().min(1),
    after: duration.default('0'),
    /** Hold this step during quiet hours (default: yes for low urgency, no for high). */
    respect_quiet_hours: z.boolean().optional(),
  })
  .strict();

/** A way to reach a user: a configured channel plus the user's address on it. */
export const contactMethodSchema = z
  .object({
    id: z.string().min(1),
    /** A `channels:` id. */
    channel: z.string().min(1),
    /** Phone number (sms), email address (email), Slack user/channel id (slack bot); omit for channel-wide types. */
    target: z.string().min(1).optional(),
  })
  .strict();

/** A `users:` entry: contact methods, rules per urgency, quiet hours in the user's time zone, fallback. */
export const userSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    email: z.string().optional(),
    time_zone: z
      .string()
      .default('UTC')
      .refine((z) => IANAZone.isValidZone(z), 'an IANA time zone such as Europe/Berlin'),
    quiet_hours: z.object({ start: hhmm, end: hhmm }).strict().optional(),
    contact_methods: z.array(contactMethodSchema).default([]),
    notification_rules: z
      .object({
        high: z.array(notificationRuleSchema).default([]),
        low: z.array(notificationRuleSchema).default([]),
      })
      .strict()
      .default({ high: [], low: [] }),
    /** Contact method used when a delivery to another method fails permanently. */
    fallback: z.string().optional(),
  })
  .strict();
/** A user as configured. */
export type UserConfig = z.infer<typeof userSchema>;

/** Incident state the plan depends on (epoch ms). */
export interface IncidentTiming {
  triggeredAt: number;
  acknowledgedAt?: number | undefined;
  resolvedAt?: number | undefined;
}

/** One planned contact: which method, on which channel, when. */
export interface PlannedContact {
  /** Index of the rule step (part of the idempotency key). */
  step: number;
  contactMethod: string;
  channelId: string;
  target: string | undefined;
  dueAt: number;
  /** True when the step was moved to the end of the user's quiet hours. */
  heldForQuietHours: boolean;
  /** True when dueAt ≤ now. */
  due: boolean;
}

/** If `at` falls inside the user's quiet hours, returns the instant they end; otherwise `at`. */
export function afterQuietHours(at: number, user: Pick<UserConfig, 'quiet_hours' | 'time_zone'>): number {
  const q = user.quiet_hours;
  if (!q) return at;
  const local = DateTime.fromMillis(at, { zone: user.time_zone });
  const [sh, sm] = q.start.split(':').map(Number);
  const [eh, em] = q.end.split(':').map(Number);
  const start = (sh ?? 0) * 60 + (sm ?? 0);
  const end = (eh ?? 0) * 60 + (em ?? 0);
  const minute = local.hour * 60 + local.minute;
  const inside = start <= end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return at;
  let endAt = local.set({ hour: eh ?? 0, minute: em ?? 0, second: 0, millisecond: 0 });
  if (endAt.toMillis() <= at) endAt = endAt.plus({ days: 1 });
  return endAt.toMillis();
}

/**
 * Pure: which of a user's contact methods are notified when, for an incident of this urgency.
 * Each step is due `after` the trigger; low-urgency steps (or any step with
 * `respect_quiet_hours: true`) falling in quiet hours are held until they end, in the user's
 * time zone. Steps that would fall after the incident was acknowledged or resolved are dropped
 * (their outbox rows are cancelled). Unknown contact methods are skipped (config validation
 * reports them).
 */
export function planUserNotifications(
  user: UserConfig,
  urgency: Urgency,
  incident: IncidentTiming,
  now: number,
): PlannedContact[] {
  const stopAt = Math.min(incident.acknowledgedAt ?? Infinity, incident.resolvedAt ?? Infinity);
  const out: PlannedContact[] = [];
  user.notification_rules[urgency].forEach((rule, step) => {
    const method = user.contact_methods.find((m) => m.id === rule.contact);
    if (!method) return;
    const base = incident.triggeredAt + (parseDuration(rule.after) ?? 0);
    const respect = rule.respect_quiet_hours ?? urgency === 'low';
    const dueAt = respect ? afterQuietHours(base, user) : base;
    if (dueAt > stopAt) return;
    out.push({
      step,
      contactMethod: method.id,
      channelId: method.channel,
      target: method.target,
      dueAt,
      heldForQuietHours: dueAt !== base,
      due: dueAt <= now,
    });
  });
  return out;
}
