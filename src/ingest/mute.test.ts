import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silenceRoutes } from '../server/routes/silences.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../server/testing.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };
const min = 60_000;

describe.each(storeFactories())('silences and maintenance stop incidents and pages on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store, {
      extra: [silenceRoutes],
      configText: testConfigText(
        [
          'maintenance_windows:',
          '  - { name: upgrade, services: [training], starts_at: "2026-11-27T09:00:00Z", ends_at: "2026-11-27T11:00:00Z" }',
          '',
        ].join('\n'),
      ),
    });
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });

  const post = (labels: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [{ labels, endsAt: new Date(t.clock.now() + 5 * 60 * min).toISOString() }],
    });
  const incidents = async (): Promise<string[]> => {
    const viewer = await t.token('viewer');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: { authorization: `Bearer ${viewer}` },
    });
    return (res.json().incidents as Array<{ title: string }>).map((i) => i.title);
  };

  it('a silenced alert opens no incident; when the silence ends and it still fires, it does', async () => {
    const responder = await t.token('responder');
    const now = t.clock.now();
    const sil = await t.app.inject({
      method: 'POST',
      url: '/api/v2/silences',
      headers: { authorization: `Bearer ${responder}` },
      payload: {
        matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false }],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + 30 * min).toISOString(),
        createdBy: 'ops',
        comment: 'resizing',
      },
    });
    expect(sil.statusCode).toBe(200);
    const res = await post({ alertname: 'DiskFull', service: 'db' });
    expect(res.json().incidents_opened).toEqual([]);
    expect(await incidents()).toEqual([]);
    // The alert is still recorded.
    const viewer = await t.token('viewer');
    const alerts = await t.app.inject({
      method: 'GET',
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect((alerts.json().alerts as unknown[]).length).toBe(1);
    // A resend while silenced changes nothing.
    t.clock.advance(10 * min);
    await post({ alertname: 'DiskFull', service: 'db' });
    await t.worker.runDue();
    expect(await incidents()).toEqual([]);
    // The silence ends at +30 min; the alert still fires: now it opens its incident.
    t.clock.advance(20 * min + 1000);
    await t.worker.runDue();
    expect(await incidents()).toEqual(['DiskFull on db']);
  });

  it('an alert of a service in maintenance opens nothing until the window ends', async () => {
    await post({ alertname: 'GPUDown', service: 'training' });
    await post({ alertname: 'GPUDown', service: 'serving' });
    expect(await incidents()).toEqual(['GPUDown on serving']);
    t.clock.set('2026-11-27T11:00:01Z');
    await t.worker.runDue();
    expect((await incidents()).sort()).toEqual(['GPUDown on serving', 'GPUDown on training']);
  });
});
