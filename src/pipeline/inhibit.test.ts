import { describe, expect, it } from 'vitest';
import {
  anyTarget,
  compileInhibitRules,
  InhibitionIndex,
  inhibitRulesSchema,
  type InhibitAlert,
} from './inhibit.ts';

const { rules } = compileInhibitRules(
  inhibitRulesSchema.parse([
    {
      name: 'crit-mutes-warn',
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity="warning"'],
      equal: ['cluster'],
    },
    { source_match: { alertname: 'NodeDown' }, target_match_re: { alertname: 'Pod.*' }, equal: ['node'] },
    { name: 'both', source_matchers: ['kind="x"'], target_matchers: ['kind="x"'], equal: ['zone'] },
  ]),
);

const a = (fingerprint: string, labels: Record<string, string>, firing = true): InhibitAlert => ({
  fingerprint,
  labels,
  firing,
});

describe('InhibitionIndex', () => {
  it('mutes targets with equal labels only while a source fires', () => {
    const alerts = [
      a('c1', { severity: 'critical', cluster: 'a' }),
      a('w1', { severity: 'warning', cluster: 'a' }),
      a('w2', { severity: 'warning', cluster: 'b' }),
      a('c2', { severity: 'critical', cluster: 'b' }, false),
    ];
    const ix = new InhibitionIndex(rules, alerts);
    expect(ix.inhibitedBy(alerts[1]!)).toEqual(['c1']);
    expect(ix.inhibitedBy(alerts[2]!)).toEqual([]); // only source in cluster b is resolved
    expect(ix.inhibitedBy(alerts[0]!)).toEqual([]);
    expect(ix.rulesInhibiting(alerts[1]!)).toEqual(['crit-mutes-warn']);
  });

  it('treats a missing equal label as empty', () => {
    const ix = new InhibitionIndex(rules, [a('n', { alertname: 'NodeDown' })]);
    expect(ix.inhibitedBy(a('p', { alertname: 'PodCrash' }))).toEqual(['n']);
    expect(ix.inhibitedBy(a('p', { alertname: 'PodCrash', node: 'n1' }))).toEqual([]);
  });

  it('an alert matching both sides is not inhibited by others matching both sides', () => {
    const alerts = [a('x1', { kind: 'x', zone: 'z' }), a('x2', { kind: 'x', zone: 'z' })];
    const ix = new InhibitionIndex(rules, alerts);
    expect(ix.inhibitedBy(alerts[0]!)).toEqual([]);
    expect(ix.inhibitedBy(alerts[1]!)).toEqual([]);
  });

  it('deprecated forms and bad regexes are reported with paths', () => {
    const { problems } = compileInhibitRules([
      { source_match_re: { a: '(?!x)' }, target_matchers: ['b=~"["'] },
    ]);
    expect(problems.map((p) => p.path.join('.'))).toEqual([
      'inhibit_rules.0.source_match_re.a',
      'inhibit_rules.0.target_matchers.0',
    ]);
  });

  it('optional correlation window: only sources that started shortly before the target', () => {
    const src = { ...a('c1', { severity: 'critical', cluster: 'a' }), startsAt: 1000 };
    const ix = new InhibitionIndex(rules, [src]);
    const tgt = a('w1', { severity: 'warning', cluster: 'a' });
    expect(ix.inhibitedBy(tgt)).toEqual(['c1']);
    expect(ix.inhibitedBy(tgt, { startsAt: 5000, maxLagMs: 10_000 })).toEqual(['c1']);
    expect(ix.inhibitedBy(tgt, { startsAt: 20_000, maxLagMs: 10_000 })).toEqual([]);
    expect(ix.inhibitedBy(tgt, { startsAt: 500, maxLagMs: 10_000 })).toEqual([]);
  });

  it('answers quickly over thousands of alerts', () => {
    const alerts: InhibitAlert[] = [];
    for (let i = 0; i < 5000; i++) {
      alerts.push(a(`s${i}`, { severity: 'critical', cluster: `c${i % 500}` }));
      alerts.push(a(`t${i}`, { severity: 'warning', cluster: `c${i % 700}` }));
    }
    const ix = new InhibitionIndex(rules, alerts);
    let muted = 0;
    for (const al of alerts) if (ix.isInhibited(al)) muted++;
    let want = 0;
    for (let i = 0; i < 5000; i++) if (i % 700 < 500) want++; // clusters c0..c499 have a critical source
    expect(muted).toBe(want);
  });
});

describe('anyTarget', () => {
  it('is true only when an alert matches the target side of some rule', () => {
    expect(anyTarget(rules, [{ labels: { severity: 'critical', cluster: 'a' } }])).toBe(false);
    expect(
      anyTarget(rules, [{ labels: { alertname: 'NodeDown' } }, { labels: { alertname: 'PodCrash' } }]),
    ).toBe(true);
    expect(anyTarget(rules, [{ labels: { severity: 'warning' } }])).toBe(true);
    expect(anyTarget(rules, [])).toBe(false);
    expect(anyTarget([], [{ labels: { severity: 'warning' } }])).toBe(false);
  });

  it('agrees with the index: an alert that is no target is never inhibited, whatever fires', () => {
    const firing = [a('c1', { severity: 'critical', cluster: 'a' }), a('n', { alertname: 'NodeDown' })];
    const ix = new InhibitionIndex(rules, firing);
    const candidates = [
      { severity: 'critical', cluster: 'a' },
      { severity: 'warning', cluster: 'a' },
      { alertname: 'PodCrash' },
      { alertname: 'Other', cluster: 'a' },
    ];
    for (const labels of candidates) {
      const inhibited = ix.inhibitedBy({ fingerprint: 'x', labels }).length > 0;
      if (!anyTarget(rules, [{ labels }])) expect(inhibited).toBe(false);
    }
    expect(ix.inhibitedBy({ fingerprint: 'x', labels: candidates[1]! })).toEqual(['c1']);
  });
});
