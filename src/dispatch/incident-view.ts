import type { StoredAlert } from '../alerts/alert-store.ts';
import type { Incident } from '../incidents/incident.ts';
import type { IncidentView } from '../notify/index.ts';

/**
 * Builds what notification templates see for an incident and the alerts of one group flush: the
 * common labels, the first alert's summary, value, runbook and dashboard annotations, and the
 * alerts themselves (webhooks in Alertmanager's format carry them all).
 */
export function incidentViewFor(
  inc: Incident,
  alerts: readonly StoredAlert[],
  now: number,
  externalUrl: string,
): IncidentView {
  const first = alerts[0];
  const common: Record<string, string> = {};
  if (first) {
    for (const [k, v] of Object.entries(first.labels))
      if (alerts.every((a) => a.labels[k] === v)) common[k] = v;
  }
  const ann = first?.annotations ?? {};
  const pick = (...names: string[]): string | undefined =>
    names.map((n) => ann[n]).find((v) => v !== undefined && v !== '');
  return {
    id: inc.key,
    title: inc.title,
    severity: inc.severity,
    status: inc.status,
    service: inc.service,
    summary: pick('summary', 'description', 'message'),
    value: pick('value'),
    labels: common,
    triggeredAt: inc.triggeredAt,
    resolvedAt: inc.resolvedAt ?? undefined,
    runbookUrl: validUrl(pick('runbook_url', 'runbook')),
    dashboardUrl: validUrl(pick('dashboard_url', 'dashboard', 'grafana_url')),
    url: `${externalUrl.replace(/\/+$/, '')}/incidents/${inc.key}`,
    alerts: alerts.map((a) => ({
      status: a.endsAt > now ? 'firing' : 'resolved',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt > now ? undefined : a.endsAt,
      fingerprint: a.fingerprint,
      generatorURL: a.generatorURL,
    })),
  };
}

function validUrl(s: string | undefined): string | undefined {
  return s && /^https?:\/\//.test(s) ? s : undefined;
}
