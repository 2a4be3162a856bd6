import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../../src/engine/jobs.ts';
import { listFired } from '../../src/escalation/engine-store.ts';
import { listDeliveries } from '../../src/notify/outbox.ts';
import type { Store } from '../../src/store/store.ts';
import { storeFactories } from '../../src/store/testing.ts';
import { configText, harness, startFakePeers, MIN, T0, type Harness } from './harness.ts';

const { slack, twilio } = startFakePeers();

const THREE_LEVELS = `  - id: default
    levels:
      - { after_minutes: 0, notify: [schedule:ml-platform] }
      - { after_minutes: 15, notify: ["schedule:ml-platform:backup"] }
      - { after_minutes: 30, notify: [user:carol, channel:ml-alerts] }
    repeat: 1
    repeat_after_minutes: 60`;

const slackTo = (id: string) => slack.messages.filter((m) => m.channel === id).length;
const smsTo = (phone: string) => twilio.messages.filter((m) => m.to === phone).length;

describe.each(storeFactories())('escalation end to end on $name', (factory) => {
  let store: Store;
  let h: Harness;
  const open: Harness[] = [];
  beforeEach(async () => {
    slack.messages.length = 0;
    twilio.messages.length = 0;
    store = await factory.open();
    h = await harness(store, configText(slack, twilio, THREE_LEVELS));
    open.push(h);
  });
  afterEach(async () => {
    for (const x of open.splice(0)) {
      expect(x.refused).toEqual([]);
      await x.close();
    }
    await store.close();
  });

  const ack = async (x: Harness, id: string) => {
    const r = await x.t.app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${id}/acknowledge`,
      headers: { authorization: `Bearer ${await x.t.token('responder')}` },
    });
    expect(r.statusCode).toBe(200);
  };

  it('alert → level 1 pages the primary → +15 min the backup → ack → level 3 never fires', async () => {
    const id = await h.postAlert();
    await h.pass();
    expect(slackTo('U_ALICE')).toBe(1);
    expect(slackTo('U_BOB')).toBe(0);
    const tl = await h.timeline(id);
    const fired = tl.find((e) => e.type === 'escalation.level_fired');
    expect(fired?.data).toMatchObject({ level: 0, users: [{ user: 'alice', via: 'schedule:ml-platform' }] });
    expect(tl.some((e) => e.type === 'escalation.started')).toBe(true);
    const inc = await h.t.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${id}`,
      headers: { authorization: `Bearer ${await h.t.token('viewer')}` },
    });
    expect((inc.json() as { assignee: string }).assignee).toBe('alice');

    await h.walkTo(T0 + 15 * MIN + 2000);
    expect(slackTo('U_BOB')).toBe(1);
    expect(smsTo('+15550000001')).toBe(1); // alice's rule: SMS after 2 minutes
    await ack(h, id);
    await h.walkTo(T0 + 120 * MIN);
    expect(slackTo('U_CAROL')).toBe(0);
    expect(slackTo('C_ML')).toBe(0);
    expect(smsTo('+15550000002')).toBe(0); // bob's SMS step (+5 min) was cancelled by the ack
    const deliveries = await listDeliveries(store, { incident: id });
    expect(deliveries.find((d) => d.target === '+15550000002')?.status).toBe('cancelled');
    const steps = await listJobs(store.db, 'esc:');
    expect(steps.filter((j) => j.status === 'done').map((j) => j.key.split(':').slice(2).join(':'))).toEqual([
      '0:0:0',
      '0:0:1',
    ]);
    expect(steps.filter((j) => j.status === 'pending')).toEqual([]);
  });

  it('repeats the rounds while nobody acknowledges; every level fires within 1 s of due', async () => {
    await h.postAlert();
    await h.walkTo(T0 + 100 * MIN);
    expect([slackTo('U_ALICE'), slackTo('U_BOB'), slackTo('U_CAROL'), slackTo('C_ML')]).toEqual([2, 2, 2, 2]);
    const fired = await listFired(store.db, 1);
    expect(fired.map((f) => `${f.round}.${f.level}`)).toEqual(['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']);
    for (const f of fired) expect(f.at - f.dueAt).toBeLessThanOrEqual(1000);
    expect(fired.map((f) => (f.dueAt - T0) / MIN)).toEqual([0, 15, 30, 60, 75, 90]);
  });

  it('a restart mid-way fires every level once: none twice, none missed, each within 1 s', async () => {
    const id = await h.postAlert();
    await h.walkTo(T0 + 15 * MIN + 1000);
    // The first process stops (its worker between passes) …
    await h.close();
    open.splice(0);
    // … and a second one over the same store carries on with the same clock.
    const h2 = await harness(store, configText(slack, twilio, THREE_LEVELS), h.clock);
    open.push(h2);
    // A worker that claimed level 3, paged, and died before marking the job done:
    await h2.walkTo(T0 + 30 * MIN - 600);
    h2.clock.set(T0 + 30 * MIN);
    const { claimDueJobs } = await import('../../src/engine/jobs.ts');
    const [job] = await claimDueJobs(store.db, store.dialect, 'dead-worker', h2.clock.now(), 1000);
    expect(job?.key).toMatch(/:0:0:2$/);
    const handler = h2.mod.handlers['escalation.step'];
    if (!job || !handler) throw new Error('no job');
    await handler(job, { store, now: h2.clock.now() });
    // Its lease expires and the new worker runs the job again: idempotent, nobody paged twice.
    await h2.walkTo(T0 + 100 * MIN);
    expect([slackTo('U_ALICE'), slackTo('U_BOB'), slackTo('U_CAROL'), slackTo('C_ML')]).toEqual([2, 2, 2, 2]);
    const fired = await listFired(store.db, 1);
    expect(fired.map((f) => `${f.round}.${f.level}`)).toEqual(['0.0', '0.1', '0.2', '1.0', '1.1', '1.2']);
    for (const f of fired) expect(f.at - f.dueAt).toBeLessThanOrEqual(1000);
    const tl = await h2.timeline(id);
    expect(tl.filter((e) => e.type === 'escalation.level_fired')).toHaveLength(6);
  });
});
