import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { HANG, reply } from '../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { FakeSlack } from '../../test/fakes/slack.ts';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { makeChannel, sampleIncident } from '../../test/notify/helpers.ts';
import { seededRandom } from '../shared/random.ts';
import type { Channel } from './channels/index.ts';
import { routeNotifications } from './dispatch.ts';
import { cancelNotifications, enqueueNotifications, listDeliveries, outboxCounts } from './outbox.ts';
import { runOutboxPass, type OutboxPassOptions } from './outbox-pass.ts';
import { notifyDb } from './outbox-tables.ts';

const clock = new FakeClock('2026-01-05T09:00:00Z');
const { fetch, refused } = loopbackFetch();
const hookA = new FakeWebhookReceiver(undefined, () => clock.now());
const hookB = new FakeWebhookReceiver(undefined, () => clock.now());
const slack = new FakeSlack('xoxb-outbox', new Set(['C1']));
let channels: Map<string, Channel>;

beforeAll(async () => {
  await Promise.all([hookA.start(), hookB.start(), slack.start()]);
  channels = new Map(
    [
      makeChannel({ id: 'a', type: 'webhook', url: `${hookA.url}/a`, timeout_ms: 300, fallback: 'b' }, {}),
      makeChannel({ id: 'b', type: 'webhook', url: `${hookB.url}/b`, timeout_ms: 300 }, {}),
      makeChannel(
        { id: 'slack', type: 'slack', token: { env: 'T' }, channel: 'C1', api_url: `${slack.url}/api` },
        { T: 'xoxb-outbox' },
      ),
    ].map((c) => [c.id, c]),
  );
});
afterAll(async () => {
  await Promise.all([hookA.stop(), hookB.stop(), slack.stop()]);
});

describe.each(storeFactories())('outbox on $name', (factory) => {
  let store: Store;
  const pass = (over: Partial<OutboxPassOptions> = {}) =>
    runOutboxPass({
      store,
      channels,
      clock,
      fetch,
      random: seededRandom(1),
      retry: { baseMs: 1000, capMs: 8000, maxAttempts: 5 },
      ...over,
    });
  const route = (
    incident: string,
    ids: string[],
    event: 'triggered' | 'resolved' = 'triggered',
    dueAt = clock.now(),
  ) =>
    routeNotifications(
      { channels },
      { channelIds: ids, event, view: sampleIncident({ id: incident }), dueAt },
    );

  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
    expect(refused).toEqual([]);
    hookA.failAlways(undefined);
  });

  it('keeps one row per idempotency key and delivers due rows once', async () => {
    const items = route('INC-1', ['a']);
    expect(await enqueueNotifications(store, items, clock.now())).toHaveLength(1);
    expect(await enqueueNotifications(store, items, clock.now())).toHaveLength(0);
    const before = hookA.received.length;
    expect(await pass()).toMatchObject({ delivered: 1 });
    expect(await pass()).toMatchObject({ sent: 0 });
    expect(hookA.received.length - before).toBe(1);
    const [rec] = await listDeliveries(store, { incident: 'INC-1' });
    expect(rec).toMatchObject({ key: 'INC-1:triggered:route:a', status: 'delivered', attempts: 1 });
    expect(rec?.log).toEqual([{ at: clock.now(), outcome: 'delivered', httpStatus: 204, error: null }]);
  });

  it('waits for delayed rows, retries 5xx with backoff, and logs every attempt', async () => {
    await enqueueNotifications(store, route('INC-2', ['a'], 'triggered', clock.now() + 60_000), clock.now());
    expect(await pass()).toMatchObject({ sent: 0 });
    clock.advance(60_000);
    hookA.failNext(reply(500, {}, 'boom'), reply(503));
    expect(await pass()).toMatchObject({ sent: 1, retrying: 1 });
    for (let i = 0; i < 20 && (await outboxCounts(store)).pending > 0; i++) {
      clock.advance(1000);
      await pass();
    }
    const [rec] = await listDeliveries(store, { incident: 'INC-2' });
    expect(rec?.status).toBe('delivered');
    expect(rec?.log.map((l) => l.outcome)).toEqual(['retryable', 'retryable', 'delivered']);
    expect(rec?.log[0]?.error).toBe('HTTP 500: boom');
  });

  it('honours Retry-After on 429', async () => {
    await enqueueNotifications(store, route('INC-3', ['a']), clock.now());
    hookA.failNext(reply(429, { 'retry-after': '30' }));
    await pass();
    clock.advance(29_000);
    expect(await pass()).toMatchObject({ sent: 0 });
    clock.advance(1000);
    expect(await pass()).toMatchObject({ delivered: 1 });
  });

  it('a permanent 4xx is not retried, is recorded with its body, and goes to the fallback channel', async () => {
    await enqueueNotifications(store, route('INC-4', ['a']), clock.now());
    hookA.failNext(reply(400, {}, 'bad payload'));
    const bBefore = hookB.received.length;
    const r = await pass();
    expect(r).toMatchObject({ failed: 1, fallbacks: 1, delivered: 1 });
    expect(hookB.received.length - bBefore).toBe(1);
    const recs = await listDeliveries(store, { incident: 'INC-4' });
    expect(recs.map((x) => [x.channelId, x.status])).toEqual([
      ['a', 'failed'],
      ['b', 'delivered'],
    ]);
    expect(recs[0]?.lastError).toBe('HTTP 400: bad payload');
  });

  it('keeps order per destination and paces Slack at 1 msg/s; threads the resolve', async () => {
    for (const id of ['INC-5', 'INC-6', 'INC-7'])
      await enqueueNotifications(store, route(id, ['slack']), clock.now());
    expect(await pass()).toMatchObject({ delivered: 1 });
    clock.advance(1000);
    expect(await pass()).toMatchObject({ delivered: 1 });
    clock.advance(1000);
    expect(await pass()).toMatchObject({ delivered: 1 });
    expect(
      slack.messages
        .slice(-3)
        .map((m) => m.text.match(/INC-\d/)?.[0] ?? JSON.stringify(m.blocks).match(/INC-\d/)?.[0]),
    ).toEqual(['INC-5', 'INC-6', 'INC-7']);
    clock.advance(1000);
    await enqueueNotifications(store, route('INC-5', ['slack'], 'resolved'), clock.now());
    await pass();
    expect(slack.messages.find((m) => JSON.stringify(m.blocks).includes('INC-5'))?.updates).toBe(1);
  });

  it('a hung endpoint does not delay another destination', async () => {
    clock.advance(10_000);
    await enqueueNotifications(store, [...route('INC-8', ['a']), ...route('INC-8', ['b'])], clock.now());
    hookA.failNext(HANG);
    const bBefore = hookB.requests.length;
    const running = pass();
    await hookB.waitForRequests(bBefore + 1, 250); // well before a's 300 ms timeout
    expect(await running).toMatchObject({ delivered: 1, retrying: 1 });
  });

  it('a claim held by a crashed pass is taken over after the lease expires', async () => {
    clock.advance(10_000);
    await enqueueNotifications(store, route('INC-9', ['b']), clock.now());
    await notifyDb(store)
      .updateTable('notify_outbox')
      .set({ status: 'sending', lease_owner: 'dead', lease_until: clock.now() + 60_000, attempts: 1 })
      .where('incident', '=', 'INC-9')
      .execute();
    expect(await pass()).toMatchObject({ sent: 0 });
    clock.advance(60_000);
    expect(await pass()).toMatchObject({ delivered: 1 });
  });

  it('cancels pending steps when acknowledged', async () => {
    await enqueueNotifications(
      store,
      route('INC-10', ['a'], 'triggered', clock.now() + 120_000),
      clock.now(),
    );
    expect(await cancelNotifications(store, { incident: 'INC-10' }, clock.now())).toBe(1);
    clock.advance(120_000);
    expect(await pass()).toMatchObject({ sent: 0 });
    expect((await listDeliveries(store, { incident: 'INC-10' }))[0]?.status).toBe('cancelled');
  });
});
