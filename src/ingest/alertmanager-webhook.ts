import type { Alert } from '../alerts/alert.ts';
import type { ParsedBatch } from './alertmanager-api.ts';
import { readPostableAlert } from './alertmanager-api.ts';
import type { IngestIssue, Problem } from './normalize.ts';

/**
 * Reads an Alertmanager webhook (payload version 4) so a team can keep Alertmanager in front of
 * vigil. Alertmanager sends firing alerts with the zero endsAt and only re-sends them every
 * repeat_interval, so a firing alert stays firing until a resolved notification arrives; a
 * resolved alert without endsAt resolves now.
 */
export function parseAlertmanagerWebhook(body: unknown, now: number, resolveTimeoutMs: number): ParsedBatch {
  const fail = (field: string, message: string): ParsedBatch => ({
    alerts: [],
    received: 0,
    issues: [{ index: -1, field, message }],
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail('', 'body must be a JSON object');
  const o = body as Record<string, unknown>;
  if (o['version'] !== undefined && o['version'] !== '4') {
    return fail(
      'version',
      `payload version ${JSON.stringify(o['version'])} is not supported; vigil reads version "4"`,
    );
  }
  if (!Array.isArray(o['alerts'])) return fail('alerts', 'is required and must be an array');
  const alerts: Alert[] = [];
  const issues: IngestIssue[] = [];
  o['alerts'].forEach((item: unknown, index) => {
    let problems: Problem[];
    const status =
      typeof item === 'object' && item !== null ? (item as Record<string, unknown>)['status'] : undefined;
    if (status !== undefined && status !== 'firing' && status !== 'resolved') {
      problems = [['status', 'must be "firing" or "resolved"']];
    } else {
      const before = alerts.length;
      problems = readPostableAlert(
        item,
        now,
        resolveTimeoutMs,
        'alertmanager-webhook',
        alerts,
        status !== 'resolved',
      );
      const added = alerts[before];
      if (added && status === 'resolved' && added.endsAt > now) {
        alerts[before] = { ...added, endsAt: Math.max(added.startsAt, now), timeout: false };
      }
    }
    for (const [field, message] of problems) {
      issues.push({ index, field: `alerts[${index}]${field ? `.${field}` : ''}`, message });
    }
  });
  return { alerts, issues, received: o['alerts'].length };
}
