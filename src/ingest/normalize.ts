import type { Alert, Labels } from '../alerts/alert.ts';
import { fingerprint } from '../alerts/fingerprint.ts';

/** An alert as an adapter read it, before vigil's ingest rules are applied. */
export interface RawAlert {
  labels: Labels;
  annotations: Labels;
  startsAt?: number | undefined;
  endsAt?: number | undefined;
  generatorURL?: string | undefined;
  /** When true, an alert sent without endsAt stays firing until a resolve arrives (webhooks). */
  untilResolved?: boolean;
}

/** A problem found while reading one alert: the field (relative to the alert) and why. */
export type Problem = [field: string, message: string];

/** One rejected alert of a batch: its index, the field at fault and why. */
export interface IngestIssue {
  index: number;
  field: string;
  message: string;
}

/** The far-future endsAt of alerts that stay firing until a resolve message (9999-12-31T23:59:59Z). */
export const FOREVER = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Limits that keep one alert from exhausting memory; over them the alert is rejected by name. */
export const LIMITS = { labels: 128, nameLength: 1024, valueLength: 16 * 1024, annotationLength: 64 * 1024 };

// The last time text parsed and its value: the alerts of one batch mostly share their times (one
// evaluation of a rule group), and the check and the parse were a tenth of reading a body.
let lastText = '';
let lastValue: number | 'invalid' = 'invalid';

/** Parses an RFC 3339 time; Alertmanager's zero time and empty strings count as "not given". */
export function parseTime(value: unknown): number | undefined | 'invalid' {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return 'invalid';
  if (value === lastText) return lastValue;
  if (value.startsWith('0001-01-01T00:00:00')) return undefined;
  let ms: number | 'invalid' = 'invalid';
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) ms = parsed;
  }
  lastText = value;
  lastValue = ms;
  return ms;
}

/**
 * Reads a label map: an object of strings. Empty values are dropped (Alertmanager does the same);
 * anything else is reported against `field`.
 */
export function readLabelMap(
  value: unknown,
  field: string,
  issues: Problem[],
  kind: 'labels' | 'annotations',
): Labels {
  const out: Labels = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.push([field, 'must be an object of string values']);
    return out;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (kind === 'labels' && entries.length > LIMITS.labels) {
    issues.push([field, `has ${entries.length} labels; at most ${LIMITS.labels} are accepted`]);
    return out;
  }
  const maxValue = kind === 'labels' ? LIMITS.valueLength : LIMITS.annotationLength;
  for (const [k, v] of entries) {
    if (typeof v !== 'string') {
      issues.push([`${field}.${k}`, `must be a string, got ${v === null ? 'null' : typeof v}`]);
      continue;
    }
    if (k === '') {
      issues.push([field, 'has an empty label name']);
      continue;
    }
    if (k.length > LIMITS.nameLength) {
      issues.push([field, `has a name longer than ${LIMITS.nameLength} characters`]);
      continue;
    }
    if (v.length > maxValue) {
      issues.push([`${field}.${k}`, `is longer than ${maxValue} characters`]);
      continue;
    }
    if (v !== '') out[k] = v;
  }
  return out;
}

/**
 * Applies Alertmanager's ingest rules to one alert: startsAt defaults to now (or to endsAt when
 * only that was given); endsAt defaults to now + resolveTimeout with `timeout` set (or stays open
 * until a resolve for webhook sources); endsAt before startsAt and empty label sets are errors.
 */
export function normalizeAlert(
  raw: RawAlert,
  now: number,
  resolveTimeoutMs: number,
  source: string,
): { alert: Alert } | { issues: Problem[] } {
  const issues: Problem[] = [];
  if (Object.keys(raw.labels).length === 0)
    issues.push(['labels', 'at least one label pair with a value is required']);
  const startsAt = raw.startsAt ?? raw.endsAt ?? now;
  let endsAt = raw.endsAt;
  let timeout = false;
  if (endsAt === undefined) {
    endsAt = raw.untilResolved ? FOREVER : now + resolveTimeoutMs;
    timeout = !raw.untilResolved;
  }
  if (endsAt < startsAt) issues.push(['endsAt', 'must not be before startsAt']);
  if (issues.length > 0) return { issues };
  return {
    alert: {
      fingerprint: fingerprint(raw.labels),
      labels: raw.labels,
      annotations: raw.annotations,
      startsAt,
      endsAt,
      timeout,
      updatedAt: now,
      generatorURL: raw.generatorURL ?? '',
      source,
    },
  };
}
