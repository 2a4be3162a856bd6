import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configText, harness, startFakePeers, type Harness } from '../../../test/escalation/harness.ts';
import type { Store } from '../../store/store.ts';
import { storeFactories } from '../../store/testing.ts';

const { slack, twilio } = startFakePeers();
const POLICY = `  - id: default
    levels:
      - { after_minutes: 0, notify: [schedule:ml-platform] }`;

describe.each(storeFactories())('notifications API on $name', (factory) => {
  let store: Store;
  let h: Harness;
  const auth = async (role: 'viewer' | 'responder') => ({ authorization: `Bearer ${await h.t.token(role)}` });
  beforeEach(async () => {
    slack.messages.length = 0;
    store = await factory.open();
    h = await harness(store, configText(slack, twilio, POLICY));
  });
  afterEach(async () => {
    expect(h.refused).toEqual([]);
    await h.close();
    await store.close();
  });

  it('enqueues once per idempotency key, delivers through the runner, and shows the delivery log', async () => {
    const body = {
      channels: ['ml-alerts'],
      severity: 'critical',
      message: 'GPU node down',
      idempotency_key: 'k1',
    };
    const headers = await auth('responder');
    const r = await h.t.app.inject({ method: 'POST', url: '/api/v1/notifications', headers, payload: body });
    expect(r.statusCode).toBe(202);
    const reply = r.json() as {
      incident: string;
      notifications: { key: string; channel: string; queued: boolean }[];
    };
    expect(reply.notifications).toEqual([
      { key: expect.any(String) as string, channel: 'ml-alerts', queued: true },
    ]);
    const again = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers,
      payload: body,
    });
    expect((again.json() as typeof reply).notifications[0]?.queued).toBe(false);
    await h.mod.runner.runOnce();
    expect(slack.messages.filter((m) => m.channel === 'C_ML')).toHaveLength(1);
    const log = await h.t.app.inject({
      method: 'GET',
      url: `/api/v1/notifications?incident=${reply.incident}`,
      headers: await auth('viewer'),
    });
    expect(log.statusCode).toBe(200);
    expect(log.json()).toMatchObject({
      notifications: [{ channelId: 'ml-alerts', status: 'delivered', log: [{ outcome: 'delivered' }] }],
    });
  });

  it('a channel type names every channel of that type; unknown channels are a 400 naming the field', async () => {
    const headers = await auth('responder');
    const r = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers,
      payload: { channels: ['slack'], severity: 'high', message: 'm' },
    });
    expect(
      (r.json() as { notifications: { channel: string }[] }).notifications.map((n) => n.channel),
    ).toEqual(['slack-bot', 'ml-alerts']);
    const bad = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers,
      payload: { channels: ['ml-alerts', 'nope'], severity: 'high', message: 'm' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'body.channels[1]' }] });
    const viewer = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers: await auth('viewer'),
      payload: { channels: ['slack'], severity: 'high', message: 'm' },
    });
    expect(viewer.statusCode).toBe(403);
  });

  it('attaches to an existing incident; its pages and the ad-hoc message share the log', async () => {
    const id = await h.postAlert();
    await h.pass();
    const headers = await auth('responder');
    const r = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/notifications',
      headers,
      payload: { channels: ['ml-alerts'], severity: 'critical', message: 'rolling back', incident: id },
    });
    expect(r.statusCode).toBe(202);
    const log = await h.t.app.inject({
      method: 'GET',
      url: `/api/v1/notifications?incident=${id}`,
      headers,
    });
    const rows = (log.json() as { notifications: { channelId: string; userId: string | null }[] })
      .notifications;
    expect(rows.map((n) => [n.channelId, n.userId])).toEqual([
      ['slack-bot', 'alice'],
      ['twilio', 'alice'],
      ['ml-alerts', null],
    ]);
  });
});
