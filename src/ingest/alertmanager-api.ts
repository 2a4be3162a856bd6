import type { Alert } from '../alerts/alert.ts';
import { normalizeAlert, parseTime, readLabelMap, type IngestIssue, type Problem } from './normalize.ts';

/** The outcome of reading a batch: the valid alerts and one issue per field of each bad one. */
export interface ParsedBatch {
  alerts: Alert[];
  issues: IngestIssue[];
  /** How many items the batch held. */
  received: number;
}

/**
 * Reads an Alertmanager API v2 `POST /api/v2/alerts` body (a JSON array of postable alerts).
 * Like Alertmanager, a batch can partly succeed: valid alerts are returned for storing and every
 * invalid one is reported by index and field.
 */
export function parseAlertmanagerBatch(body: unknown, now: number, resolveTimeoutMs: number): ParsedBatch {
  if (!Array.isArray(body)) {
    return {
      alerts: [],
      received: 0,
      issues: [{ index: -1, field: '', message: 'body must be a JSON array of alerts' }],
    };
  }
  const alerts: Alert[] = [];
  const issues: IngestIssue[] = [];
  body.forEach((item: unknown, index) => {
    const problems = readPostableAlert(item, now, resolveTimeoutMs, 'alertmanager-api', alerts);
    for (const [field, message] of problems)
      issues.push({ index, field: `[${index}]${field ? `.${field}` : ''}`, message });
  });
  return { alerts, issues, received: body.length };
}

/** Reads one postable alert into `out`, returning [field, message] pairs for what is wrong. */
export function readPostableAlert(
  item: unknown,
  now: number,
  resolveTimeoutMs: number,
  source: string,
  out: Alert[],
  untilResolved = false,
): Problem[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return [['', 'must be an object']];
  const o = item as Record<string, unknown>;
  const issues: Problem[] = [];
  if (o['labels'] === undefined) issues.push(['labels', 'is required']);
  const labels = readLabelMap(o['labels'], 'labels', issues, 'labels');
  const annotations = readLabelMap(o['annotations'], 'annotations', issues, 'annotations');
  const startsAt = parseTime(o['startsAt']);
  const endsAt = parseTime(o['endsAt']);
  if (startsAt === 'invalid') issues.push(['startsAt', 'must be an RFC 3339 date-time']);
  if (endsAt === 'invalid') issues.push(['endsAt', 'must be an RFC 3339 date-time']);
  const gen = o['generatorURL'];
  if (gen !== undefined && gen !== null && typeof gen !== 'string')
    issues.push(['generatorURL', 'must be a string']);
  if (issues.length > 0) return issues;
  const res = normalizeAlert(
    {
      labels,
      annotations,
      startsAt: startsAt as number | undefined,
      endsAt: endsAt as number | undefined,
      generatorURL: typeof gen === 'string' ? gen : undefined,
      untilResolved,
    },
    now,
    resolveTimeoutMs,
    source,
  );
  if ('issues' in res) return res.issues;
  out.push(res.alert);
  return [];
}
