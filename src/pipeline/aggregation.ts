import { z } from 'zod';
import { compileExpr, type CompiledExpr, type ExprAlert } from './aggregation-expr.ts';
import type { ConfigPath, RouteProblem } from './routing.ts';

/**
 * Strict schema for `aggregation_rules:`. `min_alerts` applies to `create_single_incident`
 * (default 1); `delay_minutes` is required for `delay`; `group_by` optionally partitions the
 * matching alerts (one incident per distinct value tuple), missing labels counting as "".
 */
export const aggregationRulesSchema = z.array(
  z
    .strictObject({
      name: z.string().min(1),
      pattern: z.string().min(1),
      window_minutes: z.number().positive(),
      min_alerts: z.number().int().min(1).optional(),
      action: z.enum(['create_single_incident', 'suppress', 'delay']),
      delay_minutes: z.number().positive().optional(),
      group_by: z.array(z.string()).optional(),
    })
    .refine((r) => r.action !== 'delay' || r.delay_minutes !== undefined, {
      message: 'delay_minutes is required for action: delay',
      path: ['delay_minutes'],
    }),
);

/** One aggregation rule as written in YAML. */
export type AggregationRuleConfig = z.infer<typeof aggregationRulesSchema>[number];

/** A compiled aggregation rule. */
export interface AggregationRule {
  name: string;
  expr: CompiledExpr;
  windowMs: number;
  minAlerts: number;
  action: AggregationRuleConfig['action'];
  delayMs: number;
  groupBy: string[];
}

/** An alert seen by the aggregation stage. */
export interface AggregationAlert extends ExprAlert {
  fingerprint: string;
  startsAt: number;
  /** Resolved when `endsAt <= now`. */
  endsAt?: number | undefined;
}

/** Compiles rules; a pattern that does not parse is reported with its config path. */
export function compileAggregationRules(
  rules: readonly AggregationRuleConfig[],
  path: ConfigPath = ['aggregation_rules'],
): { rules: AggregationRule[]; problems: RouteProblem[] } {
  const problems: RouteProblem[] = [];
  const out: AggregationRule[] = [];
  rules.forEach((r, i) => {
    try {
      out.push({
        name: r.name,
        expr: compileExpr(r.pattern),
        windowMs: r.window_minutes * 60_000,
        minAlerts: r.min_alerts ?? 1,
        action: r.action,
        delayMs: (r.delay_minutes ?? 0) * 60_000,
        groupBy: r.group_by ?? [],
      });
    } catch (e) {
      problems.push({ path: [...path, i, 'pattern'], message: e instanceof Error ? e.message : String(e) });
    }
  });
  return { rules: out, problems };
}

/** The first rule whose pattern matches `alert` (rules are tried in order), or undefined. */
export function firstMatchingRule(
  rules: readonly AggregationRule[],
  alert: ExprAlert,
): AggregationRule | undefined {
  return rules.find((r) => r.expr.test(alert));
}

/** What the aggregation stage decides for one rule at one instant. */
export type AggregationDecision =
  /** `create_single_incident`: open (or extend) one incident with all these alerts. */
  | { kind: 'incident'; rule: string; key: string; alerts: string[] }
  /** Below `min_alerts` so far: record but do not page; decide again at `until`. */
  | { kind: 'hold'; rule: string; key: string; alerts: string[]; until: number }
  /** The window closed below `min_alerts`: these alerts go through normal routing. */
  | { kind: 'release'; rule: string; key: string; alerts: string[] }
  /** `suppress`: recorded, never paged. */
  | { kind: 'suppress'; rule: string; alerts: string[] }
  /** `delay`: page these now (still firing after the delay). */
  | { kind: 'page'; rule: string; alerts: string[] }
  /** `delay`: resolved within the delay; recorded, never paged. */
  | { kind: 'drop'; rule: string; alerts: string[] };

const firing = (a: AggregationAlert, now: number): boolean => a.endsAt === undefined || a.endsAt > now;

/**
 * Decides one rule over the alerts the caller holds for it (not yet decided). Only alerts the
 * rule's pattern matches count.
 * - `create_single_incident`: per `group_by` partition, once `min_alerts` distinct alerts started
 *   within the last `window_minutes` → one `incident` with all of them; before that → `hold` until
 *   the first one's window closes; held alerts whose window closed below the threshold → `release`
 *   to normal routing (never lost). Once an incident exists, later matches join it (the caller
 *   keeps passing them; the decision is again `incident` for that key).
 * - `suppress`: every matching alert → `suppress`.
 * - `delay`: alerts firing for at least `delay_minutes` → `page`; still younger → `hold` until due;
 *   resolved before the delay → `drop`.
 */
export function decideAggregation(
  rule: AggregationRule,
  alerts: readonly AggregationAlert[],
  now: number,
): AggregationDecision[] {
  const seen = alerts.filter((a) => rule.expr.test(a));
  if (rule.action === 'suppress') {
    const ids = seen.map((a) => a.fingerprint);
    return ids.length ? [{ kind: 'suppress', rule: rule.name, alerts: ids }] : [];
  }
  if (rule.action === 'delay') {
    const out: AggregationDecision[] = [];
    const page = seen.filter((a) => firing(a, now) && now - a.startsAt >= rule.delayMs);
    const young = seen.filter((a) => firing(a, now) && now - a.startsAt < rule.delayMs);
    const drop = seen.filter((a) => !firing(a, now) && (a.endsAt ?? 0) - a.startsAt < rule.delayMs);
    if (page.length) out.push({ kind: 'page', rule: rule.name, alerts: page.map((a) => a.fingerprint) });
    for (const a of young)
      out.push({
        kind: 'hold',
        rule: rule.name,
        key: a.fingerprint,
        alerts: [a.fingerprint],
        until: a.startsAt + rule.delayMs,
      });
    if (drop.length) out.push({ kind: 'drop', rule: rule.name, alerts: drop.map((a) => a.fingerprint) });
    return out;
  }
  const parts = new Map<string, AggregationAlert[]>();
  for (const a of alerts) {
    if (!rule.expr.test(a)) continue;
    const key = rule.groupBy.map((l) => a.labels[l] ?? '').join('\u00ff');
    const list = parts.get(key);
    if (list) list.push(a);
    else parts.set(key, [a]);
  }
  const out: AggregationDecision[] = [];
  const ids = (l: AggregationAlert[]) => [...new Set(l.map((a) => a.fingerprint))].sort();
  for (const [key, list] of parts) {
    const inWindow = list.filter((a) => a.startsAt > now - rule.windowMs);
    const old = list.filter((a) => a.startsAt <= now - rule.windowMs);
    if (old.length) out.push({ kind: 'release', rule: rule.name, key, alerts: ids(old) });
    if (!inWindow.length) continue;
    if (ids(inWindow).length >= rule.minAlerts) {
      out.push({ kind: 'incident', rule: rule.name, key, alerts: ids(inWindow) });
      continue;
    }
    const first = Math.min(...inWindow.map((a) => a.startsAt));
    out.push({ kind: 'hold', rule: rule.name, key, alerts: ids(inWindow), until: first + rule.windowMs });
  }
  return out;
}
