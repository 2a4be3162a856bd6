import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../../src/engine/jobs.ts';
import { listFired, loadEscalation } from '../../src/escalation/engine-store.ts';
import { reconcile } from '../../src/escalation/engine-jobs.ts';
import { getIncidentsById, getTimeline } from '../../src/incidents/incident-store.ts';
import { TEST_KEY } from '../../src/server/testing.ts';
import { sqliteMessages } from '../../src/store/sqlite-thread.ts';
import { listDeliveries, outboxCounts } from '../../src/notify/outbox.ts';
import type { Store } from '../../src/store/store.ts';
import { storeFactories } from '../../src/store/testing.ts';
import { configText, harness, startFakePeers, MIN, T0, type Harness } from './harness.ts';

const { slack, twilio } = startFakePeers();

const POLICIES = `  - id: default
    levels:
      - { after_minutes: 0, notify: [schedule:nobody] }
      - { after_minutes: 10, notify: [user:bob] }
      - { after_minutes: 20, notify: [user:carol] }
  - id: ack-timeout
    levels:
      - { after_minutes: 0, notify: [schedule:ml-platform] }
      - { after_minutes: 15, notify: [user:carol] }
    ack_timeout_minutes: 30
  - id: slow
    levels:
      - { after_minutes: 0, notify: [schedule:ml-platform] }
      - { after_minutes: 30, notify: [user:bob] }
      - { after_minutes: 60, notify: [user:carol] }`;

const slackTo = (id: string) => slack.messages.filter((m) => m.channel === id).length;

describe.each(storeFactories())('escalation behaviour on $name', (factory) => {
  let store: Store;
  let h: Harness;
  let responder: string;
  beforeEach(async () => {
    slack.messages.length = 0;
    twilio.messages.length = 0;
    store = await factory.open();
    h = await harness(store, configText(slack, twilio, POLICIES));
    responder = await h.t.token('responder');
  });
  afterEach(async () => {
    expect(h.refused).toEqual([]);
    await h.close();
    await store.close();
  });
  const post = (url: string, payload?: Record<string, unknown>) =>
    h.t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${responder}` },
      ...(payload !== undefined ? { payload } : {}),
    });

  it('a level that reaches nobody falls through at once, with the reason on the timeline', async () => {
    const id = await h.postAlert();
    await h.pass();
    const tl = await h.timeline(id);
    const empty = tl.find((e) => e.type === 'escalation.level_empty');
    expect(empty?.data).toMatchObject({
      level: 0,
      reasons: ['schedule:nobody: nobody is on call for nobody'],
    });
    expect(tl.find((e) => e.type === 'escalation.level_fired')?.data).toMatchObject({
      level: 1,
      users: [{ user: 'bob' }],
    });
    expect(slackTo('U_BOB')).toBe(1);
    // Later levels keep their spacing from the fall-through: carol 10 minutes after bob.
    await h.walkTo(T0 + 10 * MIN + 1000);
    expect(slackTo('U_CAROL')).toBe(1);
    const fired = await listFired(store.db, 1);
    expect(fired.map((f) => [f.level, f.empty, (f.dueAt - T0) / MIN])).toEqual([
      [0, true, 0],
      [1, false, 0],
      [2, false, 10],
    ]);
  });

  it('an ack timeout re-triggers the escalation from the first level', async () => {
    const id = await h.postAlert();
    expect((await post(`/api/v1/incidents/${id}/escalation`, { policy: 'ack-timeout' })).statusCode).toBe(
      200,
    );
    await h.pass();
    expect(slackTo('U_ALICE')).toBe(1);
    h.clock.set(T0 + MIN);
    expect((await post(`/api/v1/incidents/${id}/acknowledge`)).statusCode).toBe(200);
    const jobs = await listJobs(store.db, 'esc:');
    expect(
      jobs.filter((j) => j.status === 'pending').map((j) => [j.key.split(':').slice(2).join(':'), j.runAt]),
    ).toEqual([
      ['1:0:0', T0 + 31 * MIN],
      ['1:0:1', T0 + 46 * MIN],
    ]);
    await h.walkTo(T0 + 31 * MIN + 1000);
    expect(slackTo('U_ALICE')).toBe(2);
    expect(slackTo('U_CAROL')).toBe(0);
    const tl = await h.timeline(id);
    expect(tl.find((e) => e.type === 'escalation.retriggered')?.data).toMatchObject({
      reason: 'ack-timeout',
    });
    const view = await h.t.app.inject({
      method: 'GET',
      url: `/api/v1/incidents/${id}/escalation`,
      headers: { authorization: `Bearer ${responder}` },
    });
    expect(view.json()).toMatchObject({ status: 'triggered', state: 'escalating', policy: 'ack-timeout' });
    await h.walkTo(T0 + 46 * MIN + 1000);
    expect(slackTo('U_CAROL')).toBe(1);
  });

  it('resolve cancels pending steps and pending pages', async () => {
    const id = await h.postAlert();
    expect((await post(`/api/v1/incidents/${id}/escalation`, { policy: 'slow' })).statusCode).toBe(200);
    await h.pass();
    expect(slackTo('U_ALICE')).toBe(1);
    h.clock.set(T0 + MIN);
    expect((await post(`/api/v1/incidents/${id}/resolve`)).statusCode).toBe(200);
    await h.walkTo(T0 + 120 * MIN);
    expect(twilio.messages).toEqual([]); // alice's SMS at +2 minutes never went out
    expect(slackTo('U_BOB') + slackTo('U_CAROL')).toBe(0);
    const sms = (await listDeliveries(store, { incident: id })).find((d) => d.channelId === 'twilio');
    expect(sms?.status).toBe('cancelled');
    const jobs = await listJobs(store.db, 'esc:');
    expect(jobs.filter((j) => j.status === 'pending')).toEqual([]);
  });

  /** Alerts of `n` groups (one incident each), firing until `endsAt`. */
  const storm = (tag: string, n: number, endsAt: number) =>
    h.t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { authorization: `Bearer ${TEST_KEY}` },
      payload: Array.from({ length: n }, (_, i) => ({
        labels: { alertname: `${tag}${i}`, service: `fraud-${tag}-${i}`, severity: 'critical' },
        annotations: { summary: 'accuracy 0.81 < 0.85' },
        startsAt: new Date(T0).toISOString(),
        endsAt: new Date(endsAt).toISOString(),
      })),
    });

  it('a storm that clears resolves all its incidents in one apply, each with its steps and pages cancelled', async () => {
    expect((await storm('Storm', 30, T0 + 24 * 60 * MIN)).statusCode).toBe(200);
    // Opened together, each incident got its escalation, its timeline entry and its plan's steps:
    // reconciling each one on its own (the one-incident path) finds nothing to change.
    const ids = (await store.db.selectFrom('incidents').select('id').execute()).map((r) => r.id);
    expect(ids).toHaveLength(30);
    const steps = async () =>
      (await listJobs(store.db, 'esc:')).map((j) => [j.key, j.runAt, j.status]).sort();
    const scheduled = await steps();
    expect(scheduled).toHaveLength(30 * 3);
    for (const inc of (await getIncidentsById(store.db, ids)).values()) {
      expect(
        (await getTimeline(store.db, inc.id)).find((e) => e.type === 'escalation.started')?.data,
      ).toEqual({
        policy: 'default',
        chosenBy: 'default',
      });
      await reconcile(store.db, h.mod.runtime, inc, h.clock.now());
    }
    expect(await steps()).toEqual(scheduled);
    await h.pass();
    // Level 0 reaches nobody, so bob is paged at once (Slack paces the messages to him); his SMS
    // (+5 min) and carol's level (+10 min) wait.
    expect(slackTo('U_BOB')).toBeGreaterThan(0);
    const pending = async () => (await listJobs(store.db, 'esc:')).filter((j) => j.status === 'pending');
    expect((await pending()).length).toBeGreaterThanOrEqual(30);
    const unsent = async (): Promise<number> => (await outboxCounts(store)).pending;
    expect(await unsent()).toBeGreaterThanOrEqual(30);
    h.clock.set(T0 + MIN);
    expect((await storm('Storm', 30, T0 + MIN - 1000)).statusCode).toBe(200);
    const incidents = await store.db
      .selectFrom('incidents')
      .select(['id', 'status', 'resolved_by'])
      .execute();
    expect(incidents).toHaveLength(30);
    for (const inc of incidents) {
      expect(inc).toMatchObject({ status: 'resolved', resolved_by: 'vigil' });
      const tl = await getTimeline(store.db, inc.id);
      expect(tl.filter((e) => e.type === 'incident.resolved').map((e) => e.data)).toEqual([
        { reason: 'all alerts resolved' },
      ]);
      const events = (await loadEscalation(store.db, inc.id))?.events.map((e) => e.type) ?? [];
      expect(events.filter((e) => e === 'resolve')).toHaveLength(1);
      expect(events.at(-1)).toBe('resolve');
    }
    expect(await pending()).toEqual([]);
    expect(await unsent()).toBe(0);
    const paged = slackTo('U_BOB');
    await h.walkTo(T0 + 120 * MIN);
    expect(twilio.messages).toEqual([]);
    expect(slackTo('U_BOB')).toBe(paged);
    expect(slackTo('U_CAROL')).toBe(0);
  });

  it.runIf(factory.name === 'sqlite')(
    'opens the escalations of a storm of new incidents with as many statements for 40 as for 4',
    async () => {
      const cost = async (tag: string, n: number): Promise<number> => {
        const before = sqliteMessages();
        expect((await storm(tag, n, h.clock.now() + 24 * 60 * MIN)).statusCode).toBe(200);
        return sqliteMessages() - before;
      };
      expect(await cost('Many', 40)).toBe(await cost('Few', 4));
      expect((await listJobs(store.db, 'esc:')).filter((j) => j.status === 'pending')).toHaveLength(44 * 3);
    },
  );

  it.runIf(factory.name === 'sqlite')(
    "fires a storm's due steps in shared transactions, each incident's as one by one",
    async () => {
      const cost = async (tag: string, n: number): Promise<number> => {
        expect((await storm(tag, n, h.clock.now() + 24 * 60 * MIN)).statusCode).toBe(200);
        const before = sqliteMessages();
        await h.t.worker.runDue();
        return sqliteMessages() - before;
      };
      const one = await cost('One', 1);
      const many = await cost('Many', 40);
      // Each incident fires two steps here (level 0 reaches nobody, so level 1 fires at once). One
      // by one, each step had its own begin, commit and completion: at least four messages more
      // per incident than in shared transactions (1,043 against 885 when this was written).
      expect(many).toBeLessThan(40 * one - 4 * 40);
      // Every incident's steps fired as they would one by one.
      const fired = await store.db
        .selectFrom('incident_timeline')
        .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
        .where('type', 'in', ['escalation.level_empty', 'escalation.level_fired'])
        .groupBy('type')
        .orderBy('type')
        .execute();
      expect(fired.map((r) => [r.type, Number(r.n)])).toEqual([
        ['escalation.level_empty', 41],
        ['escalation.level_fired', 41],
      ]);
    },
  );

  it.runIf(factory.name === 'sqlite')(
    'resolves a clearing storm with as many statements for 40 incidents as for 4',
    async () => {
      const cost = async (tag: string, n: number): Promise<number> => {
        expect((await storm(tag, n, h.clock.now() + 24 * 60 * MIN)).statusCode).toBe(200);
        await h.pass();
        h.clock.advance(MIN);
        const before = sqliteMessages();
        expect((await storm(tag, n, h.clock.now() - 1000)).statusCode).toBe(200);
        const used = sqliteMessages() - before;
        const open = await store.db
          .selectFrom('incidents')
          .select('id')
          .where('status', '!=', 'resolved')
          .execute();
        expect(open).toEqual([]);
        return used;
      };
      expect(await cost('Many', 40)).toBe(await cost('Few', 4));
    },
  );

  it('escalate now fires the next level at once; the override changes the delays', async () => {
    const id = await h.postAlert();
    await post(`/api/v1/incidents/${id}/escalation`, { policy: 'slow' });
    await h.pass();
    h.clock.set(T0 + 2 * MIN);
    const r = await post(`/api/v1/incidents/${id}/escalate`);
    expect(r.statusCode).toBe(200);
    await h.pass();
    expect(slackTo('U_BOB')).toBe(1);
    // after_minutes: 5 → the levels are 5 minutes apart from the start of the escalation.
    const o = await post(`/api/v1/incidents/${id}/escalation`, { after_minutes: 5 });
    expect(o.statusCode).toBe(200);
    const steps = (o.json() as { steps: { level: number; dueAt: string; status: string }[] }).steps;
    expect(steps.map((s) => [s.level, s.status])).toEqual([
      [0, 'fired'],
      [1, 'fired'],
      [2, 'pending'],
    ]);
    await h.walkTo(T0 + 8 * MIN);
    expect(slackTo('U_CAROL')).toBe(1);
    const tl = await h.timeline(id);
    expect(tl.map((e) => e.type)).toEqual(
      expect.arrayContaining(['escalation.escalated', 'escalation.policy_changed']),
    );
    const bad = await post(`/api/v1/incidents/${id}/escalation`, { policy: 'nope' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'body.policy' }] });
    const none = await post(`/api/v1/incidents/${id}/escalation`, {});
    expect(none.statusCode).toBe(400);
  });
});
