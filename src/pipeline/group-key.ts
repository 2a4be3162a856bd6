import { compareUtf8 } from '../alerts/fingerprint.ts';
import type { LabelSet } from './matchers.ts';
import { goQuote, type RouteNode } from './routing.ts';

/**
 * The labels that identify an alert's group on a route: the `group_by` labels the alert has
 * (a missing or empty label is left out, which is the same as grouping it as ""), or all labels for
 * `['...']`. Mirrors Alertmanager's `getGroupLabels`.
 */
export function groupLabels(node: Pick<RouteNode, 'groupBy'>, labels: LabelSet): Record<string, string> {
  const out: Record<string, string> = {};
  const names = node.groupBy === 'all' ? Object.keys(labels) : node.groupBy;
  for (const n of names) {
    const v = labels[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

/** Renders a label set as Prometheus `model.LabelSet.String()`: `{a="1", b="2"}`, names sorted. */
export function formatLabelSet(labels: LabelSet): string {
  // By UTF-8 bytes, as Go sorts; compareUtf8 compares in place unless a name has astral characters
  // (building two buffers for every comparison was a tenth of reading a body, session 23).
  const names = Object.keys(labels).sort(compareUtf8);
  return `{${names.map((n) => `${n}=${goQuote(labels[n] ?? '')}`).join(', ')}}`;
}

/**
 * Alertmanager's group key `<routeKey>:<groupLabels>`, e.g. `{}/{team="ml"}:{alertname="X", cluster="a"}`.
 * External dedup keys (PagerDuty `dedup_key`, Opsgenie `alias`) are sha256 of this string.
 */
export function groupKey(node: Pick<RouteNode, 'key' | 'groupBy'>, labels: LabelSet): string {
  return `${node.key}:${formatLabelSet(groupLabels(node, labels))}`;
}
