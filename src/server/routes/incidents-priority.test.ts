import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.ts';
import { storeFactories } from '../../store/testing.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };
const MIN = 60_000;

interface Prio {
  priority: string;
  score: number;
  urgency: string;
  breakdown: Array<{ factor: string; points: number; detail: string }>;
}
interface IncidentJson {
  id: string;
  title: string;
  priority?: Prio;
}

const config = testConfigText(
  [
    'services:',
    '  - { name: api, tier: 1, depends_on: [db] }',
    '  - { name: db, tier: 2 }',
    '  - { name: batch, tier: 3 }',
    'route:',
    '  receiver: team',
    '  group_by: [alertname]',
    '',
  ].join('\n'),
);

describe.each(storeFactories())('incident priority in the API on $name', (factory) => {
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
  const list = async (): Promise<IncidentJson[]> =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: viewer })).json<{
      incidents: IncidentJson[];
    }>().incidents;
  const points = (p: Prio | undefined) =>
    Object.fromEntries((p?.breakdown ?? []).map((f) => [f.factor, f.points]));

  it('scores severity, tier, services, alerts, related open incidents and age, with the breakdown', async () => {
    await post([
      { alertname: 'ApiErrors', severity: 'critical', service: 'api', instance: '1' },
      { alertname: 'ApiErrors', severity: 'critical', service: 'api', instance: '2' },
      { alertname: 'ApiErrors', severity: 'critical', service: 'api', instance: '3' },
      { alertname: 'ApiErrors', severity: 'critical', service: 'db', instance: '4' },
    ]);
    await post([{ alertname: 'DbSlow', severity: 'warning', service: 'db' }]);
    await post([{ alertname: 'BatchLate', severity: 'info', service: 'batch' }]);
    t.clock.advance(25 * MIN);

    const [batch, db, api] = await list();
    expect(api?.title).toContain('ApiErrors');
    expect(points(api?.priority)).toEqual({
      severity: 40,
      tier: 25,
      services: 5,
      alerts: 4,
      related_incident: 5,
      age: 2,
    });
    expect(api?.priority).toMatchObject({ score: 81, priority: 'P1', urgency: 'high' });
    // db depends on nothing, but api depends on db: related either way.
    expect(db?.priority).toMatchObject({ score: 42, priority: 'P3' });
    expect(points(db?.priority)['related_incident']).toBe(5);
    // Unrelated, low severity, tier 3: P5; urgency is low only outside working hours (none set).
    expect(batch?.priority).toMatchObject({ score: 12, priority: 'P5', urgency: 'high' });

    const show = await t.app.inject({ method: 'GET', url: `/api/v1/incidents/${api?.id}`, headers: viewer });
    expect(show.json<IncidentJson>().priority).toEqual(api?.priority);
    expect(show.json<IncidentJson>().priority?.breakdown[3]?.detail).toBe('4 alert(s)');
  });

  it('freezes the age at resolution', async () => {
    await post([{ alertname: 'BatchLate', severity: 'critical', service: 'batch' }]);
    t.clock.advance(20 * MIN);
    const [inc] = await list();
    const responder = await t.token('responder');
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${inc?.id}/resolve`,
      headers: { authorization: `Bearer ${responder}` },
    });
    t.clock.advance(60 * MIN);
    const [after] = await list();
    expect(points(after?.priority)['age']).toBe(2);
  });
});
