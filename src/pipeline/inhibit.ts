import { z } from 'zod';
import { type LabelSet, type Matcher, matchesAll, parseMatchers } from './matchers.ts';
import { regexError } from './regex.ts';
import type { ConfigPath, RouteProblem } from './routing.ts';

/** Strict schema for `inhibit_rules:` (new `*_matchers` and deprecated `*_match[_re]` forms). */
export const inhibitRulesSchema = z.array(
  z.strictObject({
    name: z.string().min(1).optional(),
    source_matchers: z.array(z.string()).optional(),
    target_matchers: z.array(z.string()).optional(),
    source_match: z.record(z.string(), z.string()).optional(),
    source_match_re: z.record(z.string(), z.string()).optional(),
    target_match: z.record(z.string(), z.string()).optional(),
    target_match_re: z.record(z.string(), z.string()).optional(),
    equal: z.array(z.string()).optional(),
  }),
);

/** One inhibit rule as written in YAML. */
export type InhibitRuleConfig = z.infer<typeof inhibitRulesSchema>[number];

/** A compiled inhibit rule. */
export interface InhibitRule {
  name: string;
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** An alert as inhibition needs it; only firing alerts can be sources. */
export interface InhibitAlert {
  fingerprint: string;
  labels: LabelSet;
  firing: boolean;
  /** When the alert started; needed only for the optional `maxLagMs` correlation window. */
  startsAt?: number | undefined;
}

/**
 * vigil's optional correlation window on top of Alertmanager's rules: a source inhibits a target
 * only if it started no later than the target and at most `maxLagMs` before it (a cause precedes
 * its symptoms, and a fresh fault long after the cause began is a new incident). Off by default.
 */
export interface InhibitQuery {
  startsAt?: number | undefined;
  maxLagMs?: number | undefined;
}

/** Compiles rule configs, returning problems (bad matcher, bad regex) with their config paths. */
export function compileInhibitRules(
  rules: readonly InhibitRuleConfig[],
  path: ConfigPath = ['inhibit_rules'],
): { rules: InhibitRule[]; problems: RouteProblem[] } {
  const problems: RouteProblem[] = [];
  const out = rules.map((r, i) => {
    const side = (s: 'source' | 'target'): Matcher[] => {
      const ms: Matcher[] = [];
      for (const [name, value] of Object.entries(r[`${s}_match`] ?? {})) ms.push({ name, op: '=', value });
      for (const [name, value] of Object.entries(r[`${s}_match_re`] ?? {})) {
        const err = regexError(value);
        if (err) problems.push({ path: [...path, i, `${s}_match_re`, name], message: err });
        else ms.push({ name, op: '=~', value });
      }
      (r[`${s}_matchers`] ?? []).forEach((text, j) => {
        try {
          ms.push(...parseMatchers(text));
        } catch (e) {
          problems.push({
            path: [...path, i, `${s}_matchers`, j],
            message: e instanceof Error ? e.message : String(e),
          });
        }
      });
      return ms;
    };
    return {
      name: r.name ?? `inhibit_rules[${i}]`,
      source: side('source'),
      target: side('target'),
      equal: r.equal ?? [],
    };
  });
  return { rules: out, problems };
}

/**
 * True when any of these alerts matches the target side of a rule: only then can one of them be
 * inhibited, so only then is an index of the firing sources worth building.
 */
export function anyTarget(
  rules: readonly InhibitRule[],
  alerts: Iterable<Pick<InhibitAlert, 'labels'>>,
): boolean {
  if (rules.length === 0) return false;
  for (const a of alerts) for (const r of rules) if (matchesAll(r.target, a.labels)) return true;
  return false;
}

interface Source {
  fingerprint: string;
  startsAt: number | undefined;
  /** The source also matches the rule's target side. */
  twoSided: boolean;
}

const SEP = '\u00ff';
const equalKey = (equal: readonly string[], labels: LabelSet): string =>
  equal.map((n) => labels[n] ?? '').join(SEP);

/**
 * Inhibition over a snapshot of alerts, Alertmanager's rules: a target is muted while a *firing*
 * source has the same value for every `equal` label (missing == empty); an alert matching both
 * sides of a rule is not muted by sources that also match both sides. Built once per snapshot in
 * O(alerts × rules); each query is O(rules + sources returned) thanks to a per-rule index keyed
 * by the `equal` label values, never a scan of alert pairs.
 */
export class InhibitionIndex {
  private readonly rules: readonly InhibitRule[];
  private readonly index: Map<string, Source[]>[];

  constructor(rules: readonly InhibitRule[], alerts: Iterable<InhibitAlert>) {
    this.rules = rules;
    this.index = rules.map(() => new Map<string, Source[]>());
    for (const a of alerts) {
      if (!a.firing) continue;
      rules.forEach((r, i) => {
        if (!matchesAll(r.source, a.labels)) return;
        const m = this.index[i];
        if (!m) return;
        const k = equalKey(r.equal, a.labels);
        const list = m.get(k);
        const src = {
          fingerprint: a.fingerprint,
          startsAt: a.startsAt,
          twoSided: matchesAll(r.target, a.labels),
        };
        if (list) list.push(src);
        else m.set(k, [src]);
      });
    }
  }

  /**
   * Fingerprints of the firing alerts that inhibit an alert with these labels (sorted, unique).
   * With `q.maxLagMs` and `q.startsAt`, only sources within that correlation window count.
   */
  inhibitedBy(alert: Pick<InhibitAlert, 'fingerprint' | 'labels'>, q: InhibitQuery = {}): string[] {
    const out = new Set<string>();
    this.rules.forEach((r, i) => {
      if (!matchesAll(r.target, alert.labels)) return;
      const sources = this.index[i]?.get(equalKey(r.equal, alert.labels));
      if (!sources) return;
      const excludeTwoSided = matchesAll(r.source, alert.labels);
      for (const s of sources) {
        if (s.fingerprint === alert.fingerprint) continue;
        if (excludeTwoSided && s.twoSided) continue;
        if (q.maxLagMs !== undefined && q.startsAt !== undefined) {
          if (s.startsAt === undefined || s.startsAt > q.startsAt || q.startsAt - s.startsAt > q.maxLagMs)
            continue;
        }
        out.add(s.fingerprint);
      }
    });
    return [...out].sort();
  }

  /** Names of the rules under which `alert` is inhibited (for the UI's "why muted"). */
  rulesInhibiting(alert: Pick<InhibitAlert, 'fingerprint' | 'labels'>): string[] {
    return this.rules
      .filter((r, i) => {
        if (!matchesAll(r.target, alert.labels)) return false;
        const sources = this.index[i]?.get(equalKey(r.equal, alert.labels)) ?? [];
        const ex = matchesAll(r.source, alert.labels);
        return sources.some((s) => s.fingerprint !== alert.fingerprint && !(ex && s.twoSided));
      })
      .map((r) => r.name);
  }

  /** True when any firing source inhibits `alert`. */
  isInhibited(alert: Pick<InhibitAlert, 'fingerprint' | 'labels'>): boolean {
    return this.inhibitedBy(alert).length > 0;
  }
}
