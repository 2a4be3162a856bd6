import type { Labels } from '../alerts/alert.ts';

/** Which incident an alert belongs to: alerts with the same key share one open incident. */
export interface IncidentGroup {
  key: string;
  title: string;
  service: string;
}

/** Decides the incident group of an alert from its labels. */
export type GroupFn = (labels: Labels) => IncidentGroup;

/**
 * The spine's default grouping: one incident per distinct `alertname` + `service` label while
 * it is open. The key is written like Alertmanager's group labels, e.g.
 * `{alertname="GPUMemoryHigh", service="training"}`. The routing tree (docs/noise.md) replaces it.
 */
export const groupByAlertnameAndService: GroupFn = (labels) => {
  const alertname = labels['alertname'] ?? '';
  const service = labels['service'] ?? '';
  const key = `{alertname=${JSON.stringify(alertname)}, service=${JSON.stringify(service)}}`;
  const title = alertname ? (service ? `${alertname} on ${service}` : alertname) : `Alert ${key}`;
  return { key, title, service: service || 'unknown' };
};
