import { z } from 'zod';
import type { SecretRef } from '../secrets.ts';

/** Fields every channel entry has: id, an optional fallback channel, timeout and rate limit. */
export const channelBase = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids are lower-case letters, digits, - and _'),
  /** Channel used when this one fails permanently (routed notifications). */
  fallback: z.string().optional(),
  timeout_ms: z.number().int().min(100).max(120_000).default(10_000),
  /** Most messages per second to one destination; defaults per type (docs/notifications.md). */
  rate_limit_per_second: z.number().positive().optional(),
});

/** A config type with every secret reference replaced by its resolved value. */
export type Resolved<T> = T extends SecretRef
  ? string
  : T extends readonly (infer U)[]
    ? Resolved<U>[]
    : T extends object
      ? { [K in keyof T]: Resolved<T[K]> }
      : T;
