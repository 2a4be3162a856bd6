import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { listJobs } from '../engine/jobs.ts';
import type { LoadedConfig } from '../config/load.ts';
import { Worker } from '../engine/worker.ts';
import { listDeliveries, loadNotifyChannels, runOutboxPass, type OutboxClaimer } from '../notify/index.ts';
import { OutboxRunner } from '../notify/runner.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../server/testing.ts';
import type { Store } from '../store/store.ts';
import { sqliteMessages } from '../store/sqlite-thread.ts';
import { storeFactories } from '../store/testing.ts';
import { silenceRoutes } from '../server/routes/silences.ts';
import { groupFlushHandler } from './flush.ts';
import { GROUP_FLUSH_JOB } from './schedule.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };
const sec = 1000;

interface V4 {
  status: string;
  groupKey: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

describe.each(storeFactories())('group timers and route notifications on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let hook: FakeWebhookReceiver;
  let net: ReturnType<typeof loopbackFetch>;

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
        '  repeat_interval: 4h',
        '  channels: [am-hook]',
        '',
      ].join('\n'),
    );
    // The flush handler is wired the way the server wires it, over the same config.
    const { loadConfigText } = await import('../config/load.ts');
    const res = loadConfigText('test.yaml', configText);
    if (!res.ok) throw new Error(JSON.stringify(res.issues));
    notify = loadNotifyChannels(res.loaded.notify, {
      env: {},
      readFile: (p) => fs.readFileSync(p, 'utf8'),
    });
    loaded = res.loaded;
    t = await createTestApp(store, {
      configText,
      extra: [silenceRoutes],
      handlers: {
        [GROUP_FLUSH_JOB]: groupFlushHandler({
          pipeline: res.loaded.pipeline,
          notify: { channels: notify.channels, templates: notify.templates },
          externalUrl: 'http://vigil.test',
        }),
      },
    });
    const deliver = async (): Promise<void> => {
      await runOutboxPass({ store, channels: notify.channels, clock: t.clock, fetch: net.fetch });
    };
    tick = async (ms: number): Promise<void> => {
      for (let done = 0; done < ms; done += sec) {
        t.clock.advance(sec);
        await t.worker.runDue();
        await deliver();
      }
    };
  });
  let tick: (ms: number) => Promise<void>;
  let notify: ReturnType<typeof loadNotifyChannels>;
  let loaded: LoadedConfig;
  afterEach(async () => {
    await t.close();
    await hook.stop();
    await store.close();
    expect(net.refused).toEqual([]);
  });

  const post = (alerts: unknown[]) =>
    t.app.inject({ method: 'POST', url: '/api/v2/alerts', headers: key, payload: alerts });
  const body = (i: number) => hook.received[i]?.body as V4;
  const firing = (instance: string, extra: Record<string, unknown> = {}) => ({
    labels: { alertname: 'GPUDown', service: 'train', instance },
    endsAt: new Date(t.clock.now() + 3_600_000).toISOString(),
    ...extra,
  });

  it('claims the messages it enqueues for the outbox runner, which sends them without claiming; after a crash the lease frees them', async () => {
    const delivered = async (): Promise<string[]> =>
      (await listDeliveries(store, { incident: 'INC-1' })).map((d) => d.status);
    const flushWith = (claimer: OutboxClaimer) =>
      new Worker(store, t.clock, {
        [GROUP_FLUSH_JOB]: groupFlushHandler({
          pipeline: loaded.pipeline,
          notify: { channels: notify.channels, templates: notify.templates },
          externalUrl: 'http://vigil.test',
          claimer,
        }),
      });
    const runner = new OutboxRunner({ store, channels: notify.channels, clock: t.clock, fetch: net.fetch });
    await post([firing('gpu-1')]);
    t.clock.advance(31 * sec);
    await flushWith(runner).runDue();
    // Claimed in the flush's transaction: a pass of another owner finds nothing to send.
    expect(await delivered()).toEqual(['sending']);
    expect(
      await runOutboxPass({ store, channels: notify.channels, clock: t.clock, fetch: net.fetch }),
    ).toMatchObject({
      sent: 0,
    });
    // The runner's next pass starts with the adopted row (no claim of its own) and delivers it once.
    expect(await runner.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect(hook.received).toHaveLength(1);
    expect(await delivered()).toEqual(['delivered']);

    // A crash between the flush's commit and the send: the claim holds until its lease expires,
    // then any pass sends the message, once.
    await post([firing('gpu-2')]);
    t.clock.advance(5 * 60 * sec);
    await flushWith({ claimContext: () => runner.claimContext(), adopt: () => undefined }).runDue();
    expect(await delivered()).toEqual(['delivered', 'sending']);
    const later = new OutboxRunner({ store, channels: notify.channels, clock: t.clock, fetch: net.fetch });
    expect(await later.runOnce()).toMatchObject({ sent: 0 });
    t.clock.advance(60 * sec);
    expect(await later.runOnce()).toMatchObject({ sent: 1, delivered: 1 });
    expect(await later.runOnce()).toMatchObject({ sent: 0 });
    expect(hook.received).toHaveLength(2);
    expect(body(1).alerts).toHaveLength(2);
  });

  it.runIf(factory.name === 'sqlite')(
    'flushes many groups with a few messages to the SQLite thread, however many groups',
    async () => {
      const runner = new OutboxRunner({ store, channels: notify.channels, clock: t.clock, fetch: net.fetch });
      const worker = new Worker(store, t.clock, {
        [GROUP_FLUSH_JOB]: groupFlushHandler({
          pipeline: loaded.pipeline,
          notify: { channels: notify.channels, templates: notify.templates },
          externalUrl: 'http://vigil.test',
          claimer: runner,
        }),
      });
      const flushOf = async (groups: number): Promise<number> => {
        const services = Array.from({ length: groups }, () => `svc-${Math.random().toString(36).slice(2)}`);
        await post(
          services.map((service) => ({ ...firing('gpu-1'), labels: { alertname: 'GPUDown', service } })),
        );
        t.clock.advance(31 * sec);
        const before = sqliteMessages();
        await worker.runDue();
        const used = sqliteMessages() - before;
        // Every group's message was claimed by the flush and goes out at once, each once, with the
        // payload the flush handed over (no read before the send): each group's own alert.
        expect(await runner.runOnce()).toMatchObject({ sent: groups, delivered: groups });
        const got = hook.received
          .slice(-groups)
          .map((r) => (r.body as V4).alerts.map((a) => a.labels['service']));
        expect(got.flat().sort()).toEqual([...services].sort());
        return used;
      };
      const few = await flushOf(3);
      const many = await flushOf(60);
      // Claiming the due jobs, sizing the chunk, the flush (its reads; the new outbox rows; their
      // payloads, the claim and its own writes; the commit), and completing the jobs with the
      // claim that finds nothing more: 7, the same for 3 groups as for 60.
      expect(many).toBe(few);
      expect(many).toBeLessThanOrEqual(7);
      expect(hook.received).toHaveLength(63);
    },
  );

  it('waits group_wait, sends one notification for the group, then only on change every group_interval', async () => {
    await post([firing('gpu-1')]);
    await tick(10 * sec);
    await post([firing('gpu-2')]);
    await tick(19 * sec);
    expect(hook.received).toHaveLength(0);
    await tick(2 * sec);
    expect(hook.received).toHaveLength(1);
    expect(
      body(0)
        .alerts.map((a) => a.labels['instance'])
        .sort(),
    ).toEqual(['gpu-1', 'gpu-2']);
    expect(body(0).groupKey).toBe('{}:{alertname="GPUDown", service="train"}');

    // Nothing new: no notification at the next tick.
    await tick(5 * 60 * sec);
    expect(hook.received).toHaveLength(1);
    // A new alert is sent at the next group_interval tick, not at once.
    await post([firing('gpu-3')]);
    await tick(4 * 60 * sec);
    expect(hook.received.length).toBeGreaterThanOrEqual(1);
    await tick(70 * sec);
    expect(hook.received).toHaveLength(2);
    expect(body(1).alerts).toHaveLength(3);
  }, 60_000);

  it('queues no second message for a group while its previous one is undelivered; the next tick carries the whole group', async () => {
    const outboxRows = async (): Promise<number> =>
      (
        await store.db
          .withTables<{ notify_outbox: { id: number } }>()
          .selectFrom('notify_outbox')
          .select('id')
          .execute()
      ).length;
    // The worker runs but nothing is delivered (the receiver is unreachable, say).
    const workOnly = async (ms: number): Promise<void> => {
      for (let done = 0; done < ms; done += sec) {
        t.clock.advance(sec);
        await t.worker.runDue();
      }
    };
    await post([firing('gpu-1')]);
    await workOnly(31 * sec);
    expect(await outboxRows()).toBe(1);
    await post([firing('gpu-2')]);
    await workOnly(11 * 60 * sec); // two group_interval ticks: both wait for the first message
    expect(await outboxRows()).toBe(1);
    await tick(sec); // delivered now
    expect(hook.received).toHaveLength(1);
    expect(body(0).alerts.map((a) => a.labels['instance'])).toEqual(['gpu-1']);
    await tick(5 * 60 * sec);
    expect(hook.received).toHaveLength(2);
    expect(
      body(1)
        .alerts.map((a) => a.labels['instance'])
        .sort(),
    ).toEqual(['gpu-1', 'gpu-2']);
  }, 60_000);

  it('lets a quiet group sleep between ticks, yet sends a new alert at the next tick of its grid and a resolve-by-time at the tick after endsAt', async () => {
    const flushes = async (): Promise<number> =>
      Number((await store.db.selectFrom('alert_groups').select('flushes').executeTakeFirstOrThrow()).flushes);
    const start = t.clock.now();
    await post([firing('gpu-1', { endsAt: new Date(start + 40 * 60 * sec).toISOString() })]);
    await tick(31 * sec); // first flush at 30 s: the grid is 30 s + k·5 min
    expect(hook.received).toHaveLength(1);
    const afterFirst = await flushes();
    await tick(15 * 60 * sec); // three ticks of the grid pass with nothing new
    expect(await flushes()).toBe(afterFirst);
    expect(hook.received).toHaveLength(1);
    // A new alert at 15m31s waits for the grid's next tick, 20m30s, as under a ticker that never stopped.
    await post([firing('gpu-2', { endsAt: new Date(start + 3_600_000).toISOString() })]);
    await tick(4 * 60 * sec + 58 * sec); // 20m29s
    expect(hook.received).toHaveLength(1);
    await tick(2 * sec);
    expect(hook.received).toHaveLength(2);
    expect(body(1).alerts).toHaveLength(2);
    // gpu-1 ends at 40m00s (no message says so): the resolve goes out at the tick 40m30s.
    await tick(19 * 60 * sec + 58 * sec); // 40m29s
    expect(hook.received).toHaveLength(2);
    await tick(2 * sec);
    expect(hook.received).toHaveLength(3);
    expect(body(2).alerts.find((a) => a.labels['instance'] === 'gpu-1')?.status).toBe('resolved');
  }, 120_000);

  it('sends the resolved notification and drops the group when everything resolved', async () => {
    await post([firing('gpu-1')]);
    await tick(31 * sec);
    expect(hook.received).toHaveLength(1);
    await post([firing('gpu-1', { endsAt: new Date(t.clock.now()).toISOString() })]);
    await tick(5 * 60 * sec);
    expect(hook.received).toHaveLength(2);
    expect(body(1).status).toBe('resolved');
    expect((await listJobs(store.db, 'group:')).every((j) => j.status !== 'pending')).toBe(true);
    expect(await store.db.selectFrom('alert_groups').selectAll().execute()).toEqual([]);
  }, 60_000);

  it('never notifies an alert resolved within group_wait, nor a silenced one', async () => {
    await post([firing('gpu-1')]);
    await tick(5 * sec);
    await post([firing('gpu-1', { endsAt: new Date(t.clock.now()).toISOString() })]);
    await tick(60 * sec);
    expect(hook.received).toHaveLength(0);

    const responder = await t.token('responder');
    const sil = await t.app.inject({
      method: 'POST',
      url: '/api/v2/silences',
      headers: { authorization: `Bearer ${responder}` },
      payload: {
        matchers: [{ name: 'instance', value: 'gpu-9', isRegex: false }],
        startsAt: new Date(t.clock.now()).toISOString(),
        endsAt: new Date(t.clock.now() + 3_600_000).toISOString(),
        createdBy: 't',
        comment: 'maintenance',
      },
    });
    expect(sil.statusCode).toBe(200);
    await post([firing('gpu-9')]);
    await tick(60 * sec);
    expect(hook.received).toHaveLength(0);
    // Another alert of the same group is notified, without the silenced one.
    await post([firing('gpu-8')]);
    await tick(6 * 60 * sec);
    expect(hook.received).toHaveLength(1);
    expect(body(0).alerts.map((a) => a.labels['instance'])).toEqual(['gpu-8']);
  }, 60_000);
});
