import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { reply } from '../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { makeChannel, sampleIncident } from '../../test/notify/helpers.ts';
import { seededRandom } from '../shared/random.ts';
import type { Channel } from './channels/index.ts';
import { routeNotifications } from './dispatch.ts';
import { enqueueNotifications, listDeliveries, outboxCounts, type NewNotification } from './outbox.ts';
import { runOutboxPass, type OutboxPassOptions, type OutboxPassResult } from './outbox-pass.ts';
import { notifyDb } from './outbox-tables.ts';
import type { FetchLike } from './types.ts';

const clock = new FakeClock('2026-01-05T09:00:00Z');
const { fetch, refused } = loopbackFetch();
const up = new FakeWebhookReceiver(undefined, () => clock.now());
const down = new FakeWebhookReceiver(undefined, () => clock.now());
let channels: Map<string, Channel>;

beforeAll(async () => {
  await Promise.all([up.start(), down.start()]);
  channels = new Map(
    [
      makeChannel({ id: 'up', type: 'webhook', url: `${up.url}/up`, timeout_ms: 10_000 }, {}),
      makeChannel({ id: 'slow', type: 'webhook', url: `${up.url}/slow`, timeout_ms: 10_000 }, {}),
      makeChannel({ id: 'down', type: 'webhook', url: `${down.url}/down`, timeout_ms: 10_000 }, {}),
    ].map((c) => [c.id, c]),
  );
});
afterAll(async () => {
  await Promise.all([up.stop(), down.stop()]);
});

/** A fetch whose requests to `/slow` wait until `open()` is called (the endpoint is "slow"). */
function gatedFetch(): { fetch: FetchLike; open: () => void; waiting: () => number } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  return {
    fetch: async (input, init) => {
      if (new URL(input).pathname === '/slow') {
        waiting++;
        await gate;
      }
      return fetch(input, init);
    },
    open: () => open(),
    waiting: () => waiting,
  };
}

/** Yields to the event loop until `done()` holds (bounded by a number of turns, not by time). */
async function until(done: () => Promise<boolean>, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not reached');
}

describe.each(storeFactories())('outbox pass with many queues on $name', (factory) => {
  let store: Store;
  const pass = (over: Partial<OutboxPassOptions> = {}) =>
    runOutboxPass({
      store,
      channels,
      clock,
      fetch,
      random: seededRandom(7),
      retry: { baseMs: 1000, capMs: 8000, maxAttempts: 5 },
      ...over,
    });
  /** `perQueue` messages for each of `queues` destinations of one channel, enqueued in order. */
  const fill = async (channelId: string, queues: number, perQueue: number): Promise<void> => {
    const items: NewNotification[] = [];
    for (let k = 0; k < perQueue; k++) {
      for (let q = 0; q < queues; q++) {
        const id = `${channelId}-${q}-${k}`;
        const [n] = routeNotifications(
          { channels },
          { channelIds: [channelId], event: 'triggered', view: sampleIncident({ id }), dueAt: clock.now() },
        );
        if (n) items.push({ ...n, key: id, destination: `${n.destination}#q${q}` });
      }
    }
    expect(await enqueueNotifications(store, items, clock.now())).toHaveLength(queues * perQueue);
  };
  /** Incident ids received for channel `channelId`, per queue, in arrival order. */
  const arrivals = (channelId: string): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const r of up.received) {
      const id = (r.body as { data: { incident: { id: string } } }).data.incident.id;
      const [ch, q] = id.split('-');
      if (ch !== channelId || q === undefined) continue;
      out.set(q, [...(out.get(q) ?? []), id]);
    }
    return out;
  };

  beforeEach(async () => {
    store = await factory.open();
    up.received.length = 0;
    down.failAlways(undefined);
  });
  afterEach(async () => {
    await store.close();
    expect(refused).toEqual([]);
  });

  it('delivers many destinations due at once in one pass, each message exactly once and in order', async () => {
    const queues = 40;
    const perQueue = 3;
    await fill('up', queues, perQueue);
    await fill('down', 5, 2);
    down.failAlways(reply(503, {}, 'unavailable'));
    const downBefore = down.requests.length;

    const r = await pass({ random: () => 0.5 }); // no zero backoff: each down head is tried once
    expect(r).toMatchObject({ sent: queues * perQueue + 5, delivered: queues * perQueue, retrying: 5 });
    const got = arrivals('up');
    expect(got.size).toBe(queues);
    for (let q = 0; q < queues; q++) {
      expect(got.get(String(q))).toEqual(Array.from({ length: perQueue }, (_, k) => `up-${q}-${k}`));
    }
    // A head waiting for its retry blocks only its own destination: only the heads were tried.
    expect(down.requests.length - downBefore).toBe(5);
    const counts = await outboxCounts(store);
    expect(counts).toMatchObject({ delivered: queues * perQueue, pending: 10, sending: 0 });
    const attempts = await notifyDb(store)
      .selectFrom('notify_attempts')
      .select(['notification_id', 'outcome'])
      .execute();
    expect(attempts).toHaveLength(queues * perQueue + 5); // one row per attempt
    expect(await pass()).toMatchObject({ sent: 0 });
  });

  it('claims no more payload bytes than its budget (one row at least); follow-ons are loaded as they come', async () => {
    await fill('up', 4, 2);
    // A budget below one payload: each pass claims one head, then sends its queue's follow-on.
    for (let q = 0; q < 4; q++) {
      expect(await pass({ maxPayloadBytes: 1 })).toMatchObject({ sent: 2, delivered: 2 });
      expect([...arrivals('up').keys()]).toEqual(Array.from({ length: q + 1 }, (_, i) => String(i)));
    }
    const got = arrivals('up');
    for (let q = 0; q < 4; q++) expect(got.get(String(q))).toEqual([0, 1].map((k) => `up-${q}-${k}`));
    expect(await pass()).toMatchObject({ sent: 0 });
  });

  it('two passes running at once deliver every message exactly once, in order', async () => {
    await fill('up', 20, 3);
    const results: OutboxPassResult[] = [];
    for (let i = 0; i < 10 && (await outboxCounts(store)).delivered < 60; i++) {
      results.push(...(await Promise.all([pass({ owner: 'p1' }), pass({ owner: 'p2' })])));
    }
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(60);
    const got = arrivals('up');
    expect([...got.values()].flat()).toHaveLength(60);
    for (let q = 0; q < 20; q++) expect(got.get(String(q))).toEqual([0, 1, 2].map((k) => `up-${q}-${k}`));
  });

  it("records a fast destination's outcome before a slow destination's send finishes", async () => {
    await fill('slow', 1, 1);
    await fill('up', 3, 2);
    const gate = gatedFetch();
    let settled = false;
    const running = pass({ fetch: gate.fetch }).then((r) => {
      settled = true;
      return r;
    });
    const delivered = async (incident: string): Promise<boolean> =>
      (await listDeliveries(store, { incident }))[0]?.status === 'delivered';
    // Both messages of every fast queue are recorded (the second was claimed by the first's record).
    await until(async () =>
      (await Promise.all(['up-0-1', 'up-1-1', 'up-2-1'].map(delivered))).every(Boolean),
    );
    expect(gate.waiting()).toBe(1);
    expect(settled).toBe(false);
    const [slow] = await listDeliveries(store, { incident: 'slow-0-0' });
    expect(slow).toMatchObject({ status: 'sending', log: [] });
    expect((await listDeliveries(store, { incident: 'up-0-0' }))[0]?.log).toHaveLength(1);
    gate.open();
    expect(await running).toMatchObject({ sent: 7, delivered: 7 });
  });

  it('a running pass takes newly due messages when asked, without waiting for its slow sends', async () => {
    await fill('slow', 1, 1);
    const gate = gatedFetch();
    let topUp: (() => void) | undefined;
    const running = pass({ fetch: gate.fetch, onRunning: (f) => (topUp = f) });
    await until(async () => gate.waiting() === 1);
    await fill('up', 2, 1);
    expect(topUp).toBeDefined();
    topUp?.();
    const delivered = async (incident: string): Promise<boolean> =>
      (await listDeliveries(store, { incident }))[0]?.status === 'delivered';
    await until(async () => (await delivered('up-0-0')) && (await delivered('up-1-0')));
    expect(gate.waiting()).toBe(1);
    expect((await listDeliveries(store, { incident: 'slow-0-0' }))[0]?.status).toBe('sending');
    gate.open();
    expect(await running).toMatchObject({ sent: 3, delivered: 3 });
    expect(await pass()).toMatchObject({ sent: 0 });
  });

  it('a claimed row whose send could not start well within its lease is released unsent', async () => {
    await fill('slow', 1, 1);
    await fill('up', 1, 1);
    const gate = gatedFetch();
    // One send at a time: the slow head holds the only slot while the clock passes the lease's margin.
    const running = pass({ fetch: gate.fetch, concurrency: 1, leaseMs: 60_000 });
    await until(async () => gate.waiting() === 1);
    clock.advance(30_000);
    gate.open();
    expect(await running).toMatchObject({ sent: 1, delivered: 1 });
    const [waited] = await listDeliveries(store, { incident: 'up-0-0' });
    expect(waited).toMatchObject({ status: 'pending', attempts: 0, log: [] });
    expect(await pass()).toMatchObject({ sent: 1, delivered: 1 });
  });
});
