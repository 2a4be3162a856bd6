import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.ts';
import { storeFactories } from '../../store/testing.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };

interface Gettable {
  fingerprint: string;
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
}

// Alertmanager's documented example plus a rule whose sides overlap (severity=~"critical|warning").
const config = testConfigText(
  [
    'inhibit_rules:',
    '  - source_matchers: [severity="critical"]',
    '    target_matchers: [severity="warning"]',
    '    equal: [cluster]',
    '  - name: both-sides',
    '    source_matchers: [kind="node"]',
    '    target_matchers: [kind="node"]',
    '    equal: [cluster]',
    '',
  ].join('\n'),
);

describe.each(storeFactories())('inhibition on Alertmanager API reads on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let viewer: { authorization: string };
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store, { configText: config });
    viewer = { authorization: `Bearer ${await t.token('viewer')}` };
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });

  const post = (alerts: Array<Record<string, string>>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: alerts.map((labels) => ({
        labels,
        endsAt: new Date(t.clock.now() + 3_600_000).toISOString(),
      })),
    });
  const read = async (qs = ''): Promise<Gettable[]> => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v2/alerts${qs}`, headers: viewer });
    expect(res.statusCode).toBe(200);
    return res.json<Gettable[]>();
  };
  const byName = (list: Gettable[]) => new Map(list.map((a) => [a.labels['alertname'] ?? '', a]));

  it('reports suppressed with inhibitedBy, honours the inhibited flag, and groups report the same', async () => {
    expect(
      (
        await post([
          { alertname: 'NodeDown', severity: 'critical', cluster: 'a' },
          { alertname: 'HighLatency', severity: 'warning', cluster: 'a' },
          { alertname: 'OtherCluster', severity: 'warning', cluster: 'b' },
        ])
      ).statusCode,
    ).toBe(200);
    const all = byName(await read());
    const src = all.get('NodeDown');
    expect(src?.status).toEqual({ state: 'active', silencedBy: [], inhibitedBy: [], mutedBy: [] });
    expect(all.get('HighLatency')?.status).toMatchObject({
      state: 'suppressed',
      inhibitedBy: [src?.fingerprint],
    });
    expect(all.get('OtherCluster')?.status.state).toBe('active');

    expect([...byName(await read('?inhibited=false')).keys()].sort()).toEqual(['NodeDown', 'OtherCluster']);
    expect([...byName(await read('?active=false')).keys()]).toEqual(['HighLatency']);
    // The filter narrows what is shown, not which alerts can inhibit.
    expect((await read('?filter=alertname%3D%22HighLatency%22')).map((a) => a.status.state)).toEqual([
      'suppressed',
    ]);

    const groups = await t.app.inject({ method: 'GET', url: '/api/v2/alerts/groups', headers: viewer });
    const states = groups
      .json<Array<{ alerts: Gettable[] }>>()
      .flatMap((g) => g.alerts)
      .map((a) => `${a.labels['alertname']}:${a.status.state}`)
      .sort();
    expect(states).toEqual(['HighLatency:suppressed', 'NodeDown:active', 'OtherCluster:active']);
  });

  it('does not let alerts matching both sides inhibit each other, but lets them inhibit one-sided targets', async () => {
    await post([
      { alertname: 'A', kind: 'node', cluster: 'a' },
      { alertname: 'B', kind: 'node', cluster: 'a' },
    ]);
    const both = byName(await read());
    expect(both.get('A')?.status.state).toBe('active');
    expect(both.get('B')?.status.state).toBe('active');
  });

  it('a resolved source inhibits nothing', async () => {
    await post([
      { alertname: 'NodeDown', severity: 'critical', cluster: 'a' },
      { alertname: 'HighLatency', severity: 'warning', cluster: 'a' },
    ]);
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [
        {
          labels: { alertname: 'NodeDown', severity: 'critical', cluster: 'a' },
          endsAt: new Date(t.clock.now()).toISOString(),
        },
      ],
    });
    t.clock.advance(1000);
    expect((await read()).map((a) => `${a.labels['alertname']}:${a.status.state}`)).toEqual([
      'HighLatency:active',
    ]);
  });
});
