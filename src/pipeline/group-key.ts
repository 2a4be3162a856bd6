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

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Renders a label set as Prometheus `model.LabelSet.String()`: `{a="1", b="2"}`, names sorted. */
export function formatLabelSet(labels: LabelSet): string {
  const names = Object.keys(labels).sort(byteCompare);
  return `{${names.map((n) => `${n}=${goQuote(labels[n] ?? '')}`).join(', ')}}`;
}

/**
 * Alertmanager's group key `<routeKey>:<groupLabels>`, e.g. `{}/{team="ml"}:{alertname="X", cluster="a"}`.
 * External dedup keys (PagerDuty `dedup_key`, Opsgenie `alias`) are sha256 of this string.
 */
export function groupKey(node: Pick<RouteNode, 'key' | 'groupBy'>, labels: LabelSet): string {
  return `${node.key}:${formatLabelSet(groupLabels(node, labels))}`;
}
