import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VigilError } from '../shared/errors.ts';
import { compileExpr, shorthandToCel } from './aggregation-expr.ts';
import {
  aggregationRulesSchema,
  compileAggregationRules,
  decideAggregation,
  firstMatchingRule,
  type AggregationAlert,
} from './aggregation.ts';

const seed = aggregationRulesSchema.parse(
  parse(`
- name: High CPU Alerts
  pattern: cpu_usage > 80%
  window_minutes: 15
  min_alerts: 3
  action: create_single_incident
- name: Transient Errors
  pattern: error_rate < 5%
  window_minutes: 5
  action: suppress
- name: Flaky probes
  pattern: '"probe" in labels && labels.probe == "synthetic"'
  window_minutes: 10
  action: delay
  delay_minutes: 3
`),
);
const { rules, problems } = compileAggregationRules(seed);
const [cpu, transient, probes] = rules;
const M = 60_000;
const T = 1_800_000_000_000;
const alert = (
  fingerprint: string,
  labels: Record<string, string>,
  startsAt: number,
  extra: Partial<AggregationAlert> = {},
) => ({
  fingerprint,
  labels,
  startsAt,
  ...extra,
});

describe('expression language', () => {
  it('translates the shorthand', () => {
    expect(shorthandToCel('cpu_usage > 80%')).toBe('"cpu_usage" in names && has_value && value > 80.0');
    expect(shorthandToCel('error_rate <= 0.5')).toBe('"error_rate" in names && has_value && value <= 0.5');
    expect(shorthandToCel('labels.a == "b"')).toBeUndefined();
  });
  it.each([
    ['cpu_usage > 80%', { labels: { alertname: 'cpu_usage' }, value: 91 }, true],
    ['cpu_usage > 80%', { labels: { __name__: 'cpu_usage' }, annotations: { value: '85%' } }, true],
    ['cpu_usage > 80%', { labels: { alertname: 'HighCPU', metric: 'cpu_usage', value: '81' } }, true],
    ['cpu_usage > 80%', { labels: { alertname: 'cpu_usage' }, value: 80 }, false],
    ['cpu_usage > 80%', { labels: { alertname: 'cpu_usage' } }, false], // no value: no match
    ['cpu_usage > 80%', { labels: { alertname: 'mem_usage' }, value: 99 }, false],
    ['labels.team == "ml" && value > 0.5', { labels: { team: 'ml' }, value: 1 }, true],
    ['labels.team == "ml"', { labels: {} }, false], // missing key: error → no match
    [
      '"gpu" in labels || annotations.summary.contains("GPU")',
      { labels: {}, annotations: { summary: 'GPU hot' } },
      true,
    ],
    ['labels.severity in ["critical", "page"]', { labels: { severity: 'page' } }, true],
    ['labels.instance.matches("^gpu-[0-9]+")', { labels: { instance: 'gpu-7:9400' } }, true],
  ])('%s on %o → %s', (pattern, a, want) => {
    expect(compileExpr(pattern).test(a)).toBe(want);
  });
  it.each(['value >', '1 + 2', 'labels.a == nope', 'labels.a +'])('rejects %s', (p) => {
    expect(() => compileExpr(p)).toThrow(VigilError);
  });
});

describe('aggregation rules', () => {
  it('compiles the seed rules', () => {
    expect(problems).toEqual([]);
    expect(firstMatchingRule(rules, { labels: { alertname: 'error_rate' }, value: 2 })?.name).toBe(
      'Transient Errors',
    );
  });
  it('reports a pattern that does not parse', () => {
    const r = compileAggregationRules([
      { name: 'x', pattern: 'value >', window_minutes: 1, action: 'suppress' },
    ]);
    expect(r.problems[0]?.path).toEqual(['aggregation_rules', 0, 'pattern']);
  });
  it('create_single_incident waits for min_alerts within the window', () => {
    const a = [
      alert('a', { alertname: 'cpu_usage', host: '1' }, T, { value: 90 }),
      alert('b', { alertname: 'cpu_usage', host: '2' }, T + 5 * M, { value: 95 }),
    ];
    expect(decideAggregation(cpu!, a, T + 6 * M)).toEqual([
      { kind: 'hold', rule: 'High CPU Alerts', key: '', alerts: ['a', 'b'], until: T + 15 * M },
    ]);
    const c = [...a, alert('c', { alertname: 'cpu_usage', host: '3' }, T + 10 * M, { value: 85 })];
    expect(decideAggregation(cpu!, c, T + 10 * M)).toEqual([
      { kind: 'incident', rule: 'High CPU Alerts', key: '', alerts: ['a', 'b', 'c'] },
    ]);
    // too slow: the first alert left the window before the third came → released, not lost
    const late = [...a, alert('c', { alertname: 'cpu_usage', host: '3' }, T + 16 * M, { value: 85 })];
    expect(decideAggregation(cpu!, late, T + 16 * M)).toEqual([
      { kind: 'release', rule: 'High CPU Alerts', key: '', alerts: ['a'] },
      { kind: 'hold', rule: 'High CPU Alerts', key: '', alerts: ['b', 'c'], until: T + 20 * M },
    ]);
  });
  it('suppress records without paging', () => {
    const a = [
      alert('e', { alertname: 'error_rate' }, T, { value: 3 }),
      alert('f', { alertname: 'error_rate' }, T, { value: 7 }),
    ];
    expect(decideAggregation(transient!, a, T)).toEqual([
      { kind: 'suppress', rule: 'Transient Errors', alerts: ['e'] },
    ]);
  });
  it('delay pages only what is still firing after the delay', () => {
    const l = { probe: 'synthetic' };
    const a = [alert('p1', l, T), alert('p2', l, T + 2 * M), alert('p3', l, T, { endsAt: T + M })];
    expect(decideAggregation(probes!, a, T + 3 * M)).toEqual([
      { kind: 'page', rule: 'Flaky probes', alerts: ['p1'] },
      { kind: 'hold', rule: 'Flaky probes', key: 'p2', alerts: ['p2'], until: T + 5 * M },
      { kind: 'drop', rule: 'Flaky probes', alerts: ['p3'] },
    ]);
  });
  it('delay requires delay_minutes', () => {
    expect(
      aggregationRulesSchema.safeParse([{ name: 'x', pattern: 'true', window_minutes: 1, action: 'delay' }])
        .success,
    ).toBe(false);
  });
});
