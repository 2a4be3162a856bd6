import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { ManualTimers } from '../../test/fakes/manual-timers.ts';
import { loadConfigText } from '../config/load.ts';
import { IntakeGate } from '../engine/intake-gate.ts';
import { listJobs } from '../engine/jobs.ts';
import { loadNotifyChannels } from '../notify/index.ts';
import { OutboxRunner } from '../notify/runner.ts';
import { ingestServiceOf } from '../server/ingest-service.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../server/testing.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { groupFlushHandler } from './flush.ts';
import { GROUP_FLUSH_JOB } from './schedule.ts';

const sec = 1000;

/** Whether a promise has settled once the event loop has gone round. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

describe.each(storeFactories())('pages before intake (ADR 0015) on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let hook: FakeWebhookReceiver;
  let net: ReturnType<typeof loopbackFetch>;
  let runner: OutboxRunner;
  let timers: ManualTimers;
  let gate: IntakeGate;

  beforeEach(async () => {
    store = await factory.open();
    hook = await new FakeWebhookReceiver(undefined, () => t.clock.now()).start();
    net = loopbackFetch();
    const configText = testConfigText(
      [
        'channels:',
        `  - { id: am-hook, type: webhook, url: "${hook.url}/hook", format: alertmanager }`,
        'route:',
        '  receiver: team',
        '  group_by: [alertname, service]',
        '  group_wait: 30s',
        '  group_interval: 5m',
        '  channels: [am-hook]',
        '  routes:',
        // A wave's first pages matter when they are due soon (IntakeGate.expect's horizon).
        `    - { matchers: ['service=~"fast.*"'], group_wait: 500ms }`,
        '',
      ].join('\n'),
    );
    const res = loadConfigText('test.yaml', configText);
    if (!res.ok) throw new Error(JSON.stringify(res.issues));
    const notify = loadNotifyChannels(res.loaded.notify, {
      env: {},
      readFile: (p) => fs.readFileSync(p, 'utf8'),
    });
    timers = new ManualTimers();
    gate = new IntakeGate({ maxHoldMs: 300, minWork: 1, timers });
    runner = new OutboxRunner({
      store,
      channels: notify.channels,
      clock: { now: () => t.clock.now() },
      fetch: net.fetch,
    });
    t = await createTestApp(store, {
      configText,
      intake: gate,
      handlers: {
        [GROUP_FLUSH_JOB]: groupFlushHandler({
          pipeline: res.loaded.pipeline,
          notify: { channels: notify.channels, templates: notify.templates },
          externalUrl: 'http://vigil.test',
          claimer: runner,
          intake: gate,
        }),
      },
    });
  });
  afterEach(async () => {
    await t.close();
    await hook.stop();
    await store.close();
    expect(net.refused).toEqual([]);
  });

  const post = (instance: string, service = 'train') =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { authorization: `Bearer ${TEST_KEY}` },
      payload: [
        {
          labels: { alertname: 'GPUDown', service, instance },
          endsAt: new Date(t.clock.now() + 3_600_000).toISOString(),
        },
      ],
    });

  it("holds new ingestion requests from a new group's first flush until its page is sent, and loses none", async () => {
    expect((await post('gpu-1')).statusCode).toBe(200);
    // The new group's first flush is marked as a page.
    const jobs = (await listJobs(store.db)).filter((j) => j.kind === GROUP_FLUSH_JOB);
    expect(jobs.map((j) => j.payload)).toEqual([{ groupKey: expect.any(String), first: true }]);
    // Its apply held intake (new groups) and released it before the answer.
    expect(gate.holding).toBe(false);
    // Its first flush is 30 s away: nothing waits for it yet (IntakeGate.expect's horizon).
    expect(gate.paging).toBe(false);
    expect(gate.stats).toMatchObject({ released: 1, expired: 0 });

    t.clock.advance(31 * sec);
    await t.worker.runDue();
    // The flush committed and claimed the page; it is not sent yet, so intake waits.
    expect(gate.holding).toBe(true);
    expect(gate.pending).toBe(1);
    const held = post('gpu-2');
    expect(await settled(held)).toBe(false);
    expect(hook.received).toHaveLength(0);

    // The page goes out; the held request is then taken, answered and stored.
    expect(await runner.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect(hook.received).toHaveLength(1);
    expect(gate.holding).toBe(false);
    expect((await held).statusCode).toBe(200);
    const alerts = await t.app.inject({
      method: 'GET',
      url: '/api/v2/alerts',
      headers: { authorization: `Bearer ${await t.token('viewer')}` },
    });
    expect((alerts.json() as unknown[]).length).toBe(2);
    expect(gate.stats).toMatchObject({ released: 2, expired: 0 });
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('vigil_ingest_holds_total{ended="released"} 2');
    expect(metrics).toMatch(/vigil_ingest_held_seconds_total \d/);

    // The group's next flush is not a page: nothing is held.
    t.clock.advance(5 * 60 * sec);
    await t.worker.runDue();
    expect(gate.holding).toBe(false);
    expect(await runner.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect(hook.received).toHaveLength(2);
  });

  it("keeps alerts of known groups waiting while new groups' first flushes are due, without holding intake", async () => {
    const service = ingestServiceOf(t.ctx);
    expect((await post('gpu-1', 'fast')).statusCode).toBe(200);
    // The new group's first flush is scheduled: a wave on its way (minWork 1 here), not a hold.
    expect(gate.paging).toBe(true);
    expect(gate.holding).toBe(false);
    // Concurrent requests: one joins the known group, one opens a new group. Alerts arrive slowly,
    // so only the wave keeps the known group's alert from being applied with the new one.
    const answers = await Promise.all([post('gpu-2', 'fast'), post('cpu-1', 'fast2')]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
    const titles = async (): Promise<string[]> =>
      (await store.db.selectFrom('incidents').select('title').orderBy('id').execute()).map((i) => i.title);
    // Once the new group's apply has finished (its incident may show a moment before the service
    // is done with it), only the known group's alert is left.
    await vi.waitFor(
      async () => {
        expect(await titles()).toEqual(['GPUDown on fast', 'GPUDown on fast2']);
        expect(service.depth).toBe(1);
      },
      { timeout: 5000 },
    );
    expect(service.deferred).toBe(1);
    const stored = async (): Promise<number> =>
      (await store.db.selectFrom('alerts').select('fingerprint').execute()).length;
    expect(await stored()).toBe(2);
    // The flushes begin (intake held), their pages go out; then what waited is applied.
    t.clock.advance(sec);
    await t.worker.runDue();
    expect(gate.holding).toBe(true);
    expect(service.deferred).toBe(1);
    expect(await runner.runOnce()).toMatchObject({ sent: 2, delivered: 2 });
    expect(gate.paging).toBe(false);
    // Its apply comes at the service's next look at what waits (every 250 ms).
    await vi.waitFor(async () => expect(await stored()).toBe(3), { timeout: 5000 });
    expect(service.deferred).toBe(0);
  });

  it('lets held requests in when the hold reaches its limit, even if the page is not out', async () => {
    expect((await post('gpu-1')).statusCode).toBe(200);
    t.clock.advance(31 * sec);
    await t.worker.runDue();
    expect(gate.holding).toBe(true);
    const held = post('gpu-2');
    expect(await settled(held)).toBe(false);
    timers.advance(300);
    expect((await held).statusCode).toBe(200);
    expect(gate.stats).toMatchObject({ released: 1, expired: 1 });
    // The page still goes out once, and its late release holds nothing.
    expect(await runner.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect(gate.holding).toBe(false);
    expect(hook.received).toHaveLength(1);
  });

  it("counts a held request's alerts as received when it arrived, so a new group's group_wait is not lengthened by the hold", async () => {
    expect((await post('gpu-1')).statusCode).toBe(200);
    t.clock.advance(31 * sec);
    await t.worker.runDue();
    expect(gate.holding).toBe(true);
    const arrived = t.clock.now();
    const held = post('cpu-1', 'serve');
    expect(await settled(held)).toBe(false);
    // The page takes 10 s to go out (a slow receiver); the request waits all that time.
    t.clock.advance(10 * sec);
    expect(await runner.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect((await held).statusCode).toBe(200);
    const flushes = (await listJobs(store.db)).filter(
      (j) => j.kind === GROUP_FLUSH_JOB && (j.payload as { groupKey?: string }).groupKey?.includes('serve'),
    );
    // The new group's first flush is due group_wait (30 s) after the request arrived, not after it was let in.
    expect(flushes.map((j) => j.runAt)).toEqual([arrived + 30 * sec]);
  });
});
