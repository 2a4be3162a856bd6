import { Environment } from '@marcbachmann/cel-js';
import { VigilError } from '../shared/errors.ts';
import type { LabelSet } from './matchers.ts';

/**
 * The aggregation-rule expression language: CEL (github.com/google/cel-spec) evaluated with
 * @marcbachmann/cel-js over these variables —
 *   `labels` map(string,string), `annotations` map(string,string),
 *   `value` double (0.0 when the alert carries none), `has_value` bool,
 *   `names` list(string): the alert's metric names (`alertname`, `__name__`, `metric` labels).
 * Plus one shorthand, `<metric> <op> <number>[%]` with op one of > >= < <= == !=, translated to
 *   `"<metric>" in names && has_value && value <op> <number>`.
 * `%` is a unit marker only: `80%` compares `value` with 80, so percent metrics must be reported in
 * percent (0–100). A CEL evaluation error (e.g. `labels.team` on an alert without `team`) counts as
 * "no match"; write `"team" in labels && labels.team == "ml"` to be explicit.
 */

const env = new Environment()
  .registerVariable('labels', 'map')
  .registerVariable('annotations', 'map')
  .registerVariable('value', 'double')
  .registerVariable('has_value', 'bool')
  .registerVariable('names', 'list<string>');

const SHORTHAND = /^\s*([A-Za-z_:][A-Za-z0-9_:.]*)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(%?)\s*$/;

/** The alert fields an expression can see. */
export interface ExprAlert {
  labels: LabelSet;
  annotations?: LabelSet | undefined;
  /** The sample value that fired the alert, when known. */
  value?: number | undefined;
}

/** A compiled expression: the CEL text it runs and a predicate. */
export interface CompiledExpr {
  source: string;
  cel: string;
  test(alert: ExprAlert): boolean;
}

/** Translates the `metric op number[%]` shorthand to CEL; returns undefined for anything else. */
export function shorthandToCel(pattern: string): string | undefined {
  const m = SHORTHAND.exec(pattern);
  if (!m) return undefined;
  const [, metric, op, num] = m;
  const n = Number(num);
  return `${JSON.stringify(metric)} in names && has_value && value ${op} ${Number.isInteger(n) ? `${n}.0` : String(n)}`;
}

/**
 * The numeric value of an alert: its explicit `value`, else a number in the `value` annotation or
 * label (a trailing `%` is allowed). Undefined when there is none.
 */
export function alertValue(a: ExprAlert): number | undefined {
  if (a.value !== undefined && Number.isFinite(a.value)) return a.value;
  for (const raw of [a.annotations?.['value'], a.labels['value']]) {
    if (raw === undefined) continue;
    const n = Number(raw.trim().replace(/%$/, ''));
    if (raw.trim() !== '' && Number.isFinite(n)) return n;
  }
  return undefined;
}

/**
 * Compiles an aggregation `pattern` (shorthand or CEL) and type-checks it as a boolean. Throws
 * `validation_failed` with the parser's message when it does not parse or is not boolean.
 */
export function compileExpr(pattern: string): CompiledExpr {
  const cel = shorthandToCel(pattern) ?? pattern;
  let run: (ctx: Record<string, unknown>) => unknown;
  try {
    const checked = env.check(cel);
    if (!checked.valid) throw checked.error ?? new Error('invalid expression');
    if (checked.type !== 'bool' && checked.type !== 'dyn')
      throw new Error(`must be boolean, is ${checked.type}`);
    run = env.parse(cel) as unknown as (ctx: Record<string, unknown>) => unknown;
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    throw new VigilError('validation_failed', `invalid pattern ${JSON.stringify(pattern)}: ${why}`);
  }
  return {
    source: pattern,
    cel,
    test(alert) {
      const v = alertValue(alert);
      const names = ['alertname', '__name__', 'metric'].map((n) => alert.labels[n]).filter((x) => !!x);
      try {
        return (
          run({
            labels: alert.labels,
            annotations: alert.annotations ?? {},
            value: v ?? 0,
            has_value: v !== undefined,
            names,
          }) === true
        );
      } catch {
        return false;
      }
    },
  };
}
