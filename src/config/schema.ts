import { z } from 'zod';
import { parseByteSize, parseDuration } from '../shared/duration.ts';
import { secretSchema } from './secret.ts';

/** A Prometheus-style duration string, parsed to milliseconds. */
export const durationSchema = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration; write e.g. 30s, 5m, 1h30m` });
    return z.NEVER;
  }
  return ms;
});

const byteSizeSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = parseByteSize(v);
  if (n === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size; write e.g. 5MiB or 1048576` });
    return z.NEVER;
  }
  return n;
});

/** Where alerts may come from: each integration has a key that senders present. */
export const integrationSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _'),
  key: secretSchema,
  /** Which endpoints the key may post to; `any` allows all of them. */
  format: z.enum(['alertmanager', 'generic', 'any']).default('any'),
});

/**
 * A duration, or the number 0 (off, or forever, as the field says): 0 is read as the duration
 * "0", so anything else that is not a duration gets the duration's own message, not a union's.
 */
const durationOrZeroSchema = z.preprocess((v) => (v === 0 ? '0' : v), durationSchema);

/** The spine's own settings. */
export const serverSchema = z
  .strictObject({
    /** The URL people reach vigil at; used in links (default http://localhost:<port>). */
    external_url: z.url().optional(),
    /** Largest accepted request body (default 5MiB); larger bodies get 413. */
    body_limit: byteSizeSchema.default(5 * 1024 * 1024),
    /** Alertmanager's resolve_timeout: endsAt for alerts posted without one (default 5m). */
    resolve_timeout: durationSchema.default(300_000),
    /** Require an API token or integration key on POST /api/v2/alerts (default true). */
    alertmanager_api_auth: z.boolean().default(true),
    /** How long the alert history (each alert's recorded versions) is kept (default 30d; 0 keeps it forever). */
    alert_history_retention: durationOrZeroSchema.default(30 * 24 * 3_600_000),
    /** Group commit: alerts per transaction, and how many may wait before new posts get 503. */
    ingest_queue: z
      .strictObject({
        max_batch: z.number().int().min(1).max(100_000).default(4096),
        max_queued: z.number().int().min(1).max(10_000_000).default(200_000),
        /**
         * Under an alert storm (alerts/s above this), alerts of groups already seen wait for their
         * apply while new groups go first (ADR 0012); 0 turns the waiting off.
         */
        storm_rate: z.number().int().min(0).max(10_000_000).default(10_000),
        /** The longest such an alert waits for its apply (default 5s). */
        storm_max_wait: durationSchema
          .default(5000)
          .refine((ms) => ms >= 100 && ms <= 60_000, 'must be between 100ms and 1m'),
        /**
         * Pages before intake (ADR 0015): while the first notifications of a wave of new groups
         * are on their way, new ingestion requests wait, at most this long at a time; 0 turns it
         * off.
         */
        page_first_hold: durationOrZeroSchema
          .default(300)
          .refine((ms) => ms >= 0 && ms <= 5000, 'must be between 0 and 5s'),
      })
      .default({
        max_batch: 4096,
        max_queued: 200_000,
        storm_rate: 10_000,
        storm_max_wait: 5000,
        page_first_hold: 300,
      })
      .transform((q) => ({
        maxBatch: q.max_batch,
        maxQueued: q.max_queued,
        stormRate: q.storm_rate,
        stormMaxWaitMs: q.storm_max_wait,
        pageFirstHoldMs: q.page_first_hold,
      })),
  })
  .default({
    body_limit: 5 * 1024 * 1024,
    resolve_timeout: 300_000,
    alertmanager_api_auth: true,
    alert_history_retention: 30 * 24 * 3_600_000,
    ingest_queue: {
      maxBatch: 4096,
      maxQueued: 200_000,
      stormRate: 10_000,
      stormMaxWaitMs: 5000,
      pageFirstHoldMs: 300,
    },
  });

/** How alerts become incidents. */
export const incidentsSchema = z
  .strictObject({
    /** Resolve an incident automatically when all its alerts resolve (default true). */
    auto_resolve: z.boolean().default(true),
  })
  .default({ auto_resolve: true });

/**
 * Sections other parts of vigil own (on-call, notifications, routing, runbooks). Their schemas
 * live with their domains; the loader validates them there.
 */
const domainSections = {
  users: z.unknown().optional(),
  teams: z.unknown().optional(),
  schedules: z.unknown().optional(),
  escalation_policies: z.unknown().optional(),
  channels: z.unknown().optional(),
  services: z.unknown().optional(),
  route: z.unknown().optional(),
  inhibit_rules: z.unknown().optional(),
  time_intervals: z.unknown().optional(),
  aggregation_rules: z.unknown().optional(),
  flap_detection: z.unknown().optional(),
  maintenance_windows: z.unknown().optional(),
  templates: z.unknown().optional(),
  notifications: z.unknown().optional(),
  runbooks: z.unknown().optional(),
};

/** The whole of vigil.yaml. Unknown top-level keys are errors (they are usually typos). */
export const configSchema = z.strictObject({
  server: serverSchema,
  integrations: z.array(integrationSchema).default([]),
  incidents: incidentsSchema,
  ...domainSections,
});

/** vigil.yaml after validation (durations in ms, sizes in bytes, secrets still as references). */
export type VigilConfig = z.infer<typeof configSchema>;
