import type { Alert, Labels } from '../alerts/alert.ts';
import type { ParsedBatch } from './alertmanager-api.ts';
import { normalizeAlert, parseTime, readLabelMap, type IngestIssue, type Problem } from './normalize.ts';

/**
 * Reads vigil's generic JSON webhook: one alert object, an array of them, or `{ "alerts": [...] }`.
 * Shape of one alert (docs/ingestion.md):
 * `{ name, status?: "firing"|"resolved", severity?, service?, summary?, description?, value?,
 *    labels?, annotations?, startsAt?, endsAt?, url? }`.
 * `name`, `severity` and `service` become the labels `alertname`, `severity` and `service`;
 * `summary`, `description` and `value` become annotations. A firing alert without endsAt stays
 * firing until a resolved one with the same labels arrives.
 */
export function parseGenericWebhook(body: unknown, now: number): ParsedBatch {
  let items: unknown[];
  let prefix = '';
  if (Array.isArray(body)) items = body;
  else if (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as Record<string, unknown>)['alerts'])
  ) {
    items = (body as Record<string, unknown[]>)['alerts'] ?? [];
    prefix = 'alerts';
  } else if (typeof body === 'object' && body !== null) items = [body];
  else
    return {
      alerts: [],
      received: 0,
      issues: [{ index: -1, field: '', message: 'body must be a JSON object or array' }],
    };

  const alerts: Alert[] = [];
  const issues: IngestIssue[] = [];
  items.forEach((item, index) => {
    const at = (f: string): string => `${prefix}[${index}]${f ? `.${f}` : ''}`;
    const problems = readGeneric(item, now, alerts);
    for (const [field, message] of problems) issues.push({ index, field: at(field), message });
  });
  return { alerts, issues, received: items.length };
}

const stringFields = ['name', 'severity', 'service', 'summary', 'description', 'url', 'status'] as const;

function readGeneric(item: unknown, now: number, out: Alert[]): Problem[] {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return [['', 'must be an object']];
  const o = item as Record<string, unknown>;
  const issues: Problem[] = [];
  for (const f of stringFields) {
    if (o[f] !== undefined && typeof o[f] !== 'string') issues.push([f, 'must be a string']);
  }
  const status = o['status'] ?? 'firing';
  if (status !== 'firing' && status !== 'resolved') issues.push(['status', 'must be "firing" or "resolved"']);
  const value = o['value'];
  if (value !== undefined && typeof value !== 'number' && typeof value !== 'string') {
    issues.push(['value', 'must be a number or a string']);
  }
  const labels: Labels = readLabelMap(o['labels'], 'labels', issues, 'labels');
  const annotations: Labels = readLabelMap(o['annotations'], 'annotations', issues, 'annotations');
  const startsAt = parseTime(o['startsAt']);
  const endsAt = parseTime(o['endsAt']);
  if (startsAt === 'invalid') issues.push(['startsAt', 'must be an RFC 3339 date-time']);
  if (endsAt === 'invalid') issues.push(['endsAt', 'must be an RFC 3339 date-time']);
  if (issues.length > 0) return issues;
  const str = (k: string): string | undefined =>
    typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined;
  const name = str('name');
  if (name) labels['alertname'] = name;
  if (!labels['alertname']) return [['name', 'is required (or labels.alertname)']];
  for (const k of ['severity', 'service'] as const) {
    const v = str(k);
    if (v) labels[k] = v;
  }
  for (const k of ['summary', 'description'] as const) {
    const v = str(k);
    if (v) annotations[k] = v;
  }
  if (value !== undefined) annotations['value'] = String(value);
  let end = endsAt as number | undefined;
  if (status === 'resolved' && (end === undefined || end > now))
    end = Math.max(now, (startsAt as number | undefined) ?? now);
  const res = normalizeAlert(
    {
      labels,
      annotations,
      startsAt: startsAt as number | undefined,
      endsAt: end,
      generatorURL: str('url'),
      untilResolved: true,
    },
    now,
    0,
    'generic',
  );
  if ('issues' in res) return res.issues;
  out.push(res.alert);
  return [];
}
