import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { fingerprint } from '../alerts/fingerprint.ts';
import { storeFactories } from '../store/testing.ts';
import { createTestApp, TEST_KEY, type TestApp } from './testing.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const key = auth(TEST_KEY);

function amAlert(labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  return {
    labels,
    annotations: { summary: 's' },
    startsAt: '2026-11-27T09:59:00Z',
    endsAt: '2026-11-27T10:04:00Z',
    generatorURL: 'http://prom/graph',
    ...extra,
  };
}

describe.each(storeFactories())('spine over HTTP on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store);
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });

  it('accepts an Alertmanager v2 batch, opens one incident per alertname+service, and lists the alerts', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [
        amAlert({ alertname: 'GPUMemoryHigh', service: 'training', instance: 'gpu-1', severity: 'warning' }),
        amAlert({ alertname: 'GPUMemoryHigh', service: 'training', instance: 'gpu-2', severity: 'critical' }),
        amAlert({ alertname: 'ModelAccuracyLow', service: 'fraud', severity: 'critical' }),
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 3, incidents_opened: ['INC-1', 'INC-2'] });

    const viewer = await t.token('viewer');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: auth(viewer) });
    const incidents = list.json().incidents as Array<{ id: string; title: string; severity: string }>;
    expect(incidents.map((i) => [i.id, i.title, i.severity])).toEqual([
      ['INC-2', 'ModelAccuracyLow on fraud', 'critical'],
      ['INC-1', 'GPUMemoryHigh on training', 'critical'],
    ]);

    const am = await t.app.inject({
      method: 'GET',
      url: '/api/v2/alerts?filter=alertname%3D%22GPUMemoryHigh%22&filter=instance%3D~%22gpu-.%22',
      headers: auth(viewer),
    });
    expect(am.statusCode).toBe(200);
    const alerts = am.json() as Array<{
      fingerprint: string;
      status: { state: string };
      receivers: unknown[];
    }>;
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.status.state).toBe('active');
    expect(alerts[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);

    const groups = await t.app.inject({ method: 'GET', url: '/api/v2/alerts/groups', headers: auth(viewer) });
    expect((groups.json() as unknown[]).length).toBe(2);
  });

  it('stores the valid alerts of a partial batch and names each bad one by index and field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [
        amAlert({ alertname: 'Good' }),
        { labels: {} },
        amAlert({ alertname: 'Bad' }, { endsAt: '2026-11-27T09:00:00Z' }),
        { labels: { a: 5 } },
      ],
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as {
      accepted: number;
      rejected: number;
      errors: Array<{ index: number; field: string }>;
    };
    expect(body.accepted).toBe(1);
    expect(body.rejected).toBe(3);
    expect(body.errors.map((e) => [e.index, e.field])).toEqual([
      [1, '[1].labels'],
      [2, '[2].endsAt'],
      [3, '[3].labels.a'],
    ]);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/alerts',
      headers: auth(await t.token('viewer')),
    });
    expect((list.json().alerts as unknown[]).length).toBe(1);
  });

  it('walks an incident through acknowledge, note and resolve, with a typed timeline', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [amAlert({ alertname: 'X', service: 's' })],
    });
    const responder = await t.token('responder');
    const ack = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/INC-1/acknowledge',
      headers: auth(responder),
    });
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'test-responder' });
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/1/acknowledge',
      headers: auth(responder),
    });
    expect(again.statusCode).toBe(200);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/INC-1/notes',
      headers: auth(responder),
      payload: { text: 'rolling back model v42' },
    });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/INC-1/resolve',
      headers: auth(responder),
    });
    expect(res.json()).toMatchObject({ status: 'resolved', resolvedBy: 'test-responder' });
    const show = await t.app.inject({
      method: 'GET',
      url: '/api/v1/incidents/INC-1',
      headers: auth(responder),
    });
    const timeline = show.json().timeline as Array<{ type: string }>;
    expect(timeline.map((e) => e.type)).toEqual([
      'incident.triggered',
      'alert.attached',
      'incident.acknowledged',
      'note.added',
      'incident.resolved',
    ]);
    expect(show.json().alerts).toHaveLength(1);
    // Acknowledging a resolved incident is a conflict, not a silent success.
    const late = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/INC-1/acknowledge',
      headers: auth(responder),
    });
    expect(late.statusCode).toBe(409);
  });

  it('resolves an incident when its alerts resolve, and opens a new one when they fire again', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [amAlert({ alertname: 'X', service: 's' })],
    });
    const resolved = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [amAlert({ alertname: 'X', service: 's' }, { endsAt: '2026-11-27T10:00:00Z' })],
    });
    expect(resolved.statusCode).toBe(200);
    const viewer = await t.token('viewer');
    let show = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-1', headers: auth(viewer) });
    expect(show.json()).toMatchObject({ status: 'resolved', resolvedBy: 'vigil' });
    t.clock.advance(60_000);
    const refire = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [
        amAlert(
          { alertname: 'X', service: 's' },
          { startsAt: '2026-11-27T10:01:00Z', endsAt: '2026-11-27T10:06:00Z' },
        ),
      ],
    });
    expect(refire.json().incidents_opened).toEqual(['INC-2']);
    show = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-2', headers: auth(viewer) });
    expect(show.json().status).toBe('triggered');
  });

  it("resolves by time passing: the durable resolve check fires at the alert's endsAt", async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [{ labels: { alertname: 'NoEnd', service: 's' } }],
    });
    const viewer = await t.token('viewer');
    t.clock.advance(4 * 60_000);
    await t.worker.runDue();
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-1', headers: auth(viewer) })).json()
        .status,
    ).toBe('triggered');
    t.clock.advance(60_000 + 1);
    expect(await t.worker.runDue()).toBeGreaterThanOrEqual(1);
    const show = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-1', headers: auth(viewer) });
    expect(show.json()).toMatchObject({ status: 'resolved' });
    expect((show.json().timeline as Array<{ type: string; data: { reason?: string } }>).at(-1)).toMatchObject(
      { type: 'incident.resolved', data: { reason: 'all alerts resolved' } },
    );
  });

  it('keeps an incident open while re-sends push endsAt forward, and resolves at the last endsAt', async () => {
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [{ labels: { alertname: 'Resent', service: 's' } }],
      });
    await post(); // endsAt = now + 5 min (resolve_timeout)
    t.clock.advance(3 * 60_000);
    await post(); // endsAt = now + 5 min = 8 min after the first post
    const viewer = await t.token('viewer');
    const status = async (): Promise<string> =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-1', headers: auth(viewer) })).json()
        .status as string;
    t.clock.advance(2 * 60_000 + 1); // past the first endsAt: the check runs and re-arms
    expect(await t.worker.runDue()).toBeGreaterThanOrEqual(1);
    expect(await status()).toBe('triggered');
    t.clock.advance(2 * 60_000); // 7 min: still before the second endsAt
    await t.worker.runDue();
    expect(await status()).toBe('triggered');
    t.clock.advance(60_000); // 8 min + 1 ms: past the second endsAt
    expect(await t.worker.runDue()).toBeGreaterThanOrEqual(1);
    expect(await status()).toBe('resolved');
  });

  it('keeps in the history the versions that changed something, not every re-send', async () => {
    const labels = { alertname: 'Hist', service: 's' };
    const send = (extra: Record<string, unknown> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [amAlert(labels, extra)],
      });
    await send({ endsAt: '2026-11-27T10:04:00Z' });
    await send({ endsAt: '2026-11-27T10:05:00Z' }); // a re-send: only endsAt moved
    await send({ endsAt: '2026-11-27T10:06:00Z' });
    await send({ endsAt: '2026-11-27T10:06:00Z', annotations: { summary: 'changed' } });
    await send({ endsAt: '2026-11-27T09:59:30Z' }); // resolved
    const viewer = await t.token('viewer');
    const fp = fingerprint(labels);
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/alerts/${fp}/history`,
      headers: auth(viewer),
    });
    expect(res.statusCode).toBe(200);
    expect((res.json().history as Array<{ status: string }>).map((h) => h.status)).toEqual([
      'firing',
      'firing',
      'resolved',
    ]);
  });

  it('reads Alertmanager webhook v4 and the generic format', async () => {
    const wh = await t.app.inject({
      method: 'POST',
      url: `/integrations/alertmanager/${TEST_KEY}`,
      payload: {
        version: '4',
        status: 'firing',
        receiver: 'vigil',
        groupKey: '{}:{alertname="GPUMemoryHigh"}',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'GPUMemoryHigh', service: 'train' },
            annotations: {},
            startsAt: '2026-11-27T09:00:00Z',
            endsAt: '0001-01-01T00:00:00Z',
          },
        ],
      },
    });
    expect(wh.statusCode).toBe(200);
    const gen = await t.app.inject({
      method: 'POST',
      url: '/integrations/generic',
      headers: { 'x-vigil-integration-key': TEST_KEY },
      payload: {
        name: 'ModelAccuracyLow',
        severity: 'critical',
        service: 'fraud',
        summary: 'accuracy 0.81',
        value: 0.81,
      },
    });
    expect(gen.json()).toMatchObject({ accepted: 1, incidents_opened: ['INC-2'] });
    // A webhook-sourced firing alert does not time out after resolve_timeout.
    t.clock.advance(60 * 60_000);
    await t.worker.runDue();
    const viewer = await t.token('viewer');
    const firing = await t.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: auth(viewer) });
    expect((firing.json().alerts as unknown[]).length).toBe(2);
    const res = await t.app.inject({
      method: 'POST',
      url: '/integrations/generic',
      headers: key,
      payload: { name: 'ModelAccuracyLow', severity: 'critical', service: 'fraud', status: 'resolved' },
    });
    expect(res.statusCode).toBe(200);
    const inc = await t.app.inject({ method: 'GET', url: '/api/v1/incidents/INC-2', headers: auth(viewer) });
    expect(inc.json().status).toBe('resolved');
  });
});
