import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.ts';
import { seededRandom } from '../../src/shared/random.ts';
import type { Channel } from '../../src/notify/channels/index.ts';
import { routeNotifications } from '../../src/notify/dispatch.ts';
import { enqueueNotifications, listDeliveries } from '../../src/notify/outbox.ts';
import { runOutboxPass } from '../../src/notify/outbox-pass.ts';
import type { Store } from '../../src/store/store.ts';
import { storeFactories } from '../../src/store/testing.ts';
import { reply } from '../fakes/fake-server.ts';
import { loopbackFetch } from '../fakes/loopback-fetch.ts';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.ts';
import { makeChannel, sampleIncident } from './helpers.ts';

const SECRET = `whsec_${Buffer.from('chaos-test-secret-0123456789').toString('base64')}`;
const N = 20;

describe.each(storeFactories())('chaos: webhook down for 30 s on $name', (factory) => {
  let clock: FakeClock;
  let store: Store;
  let flaky: FakeWebhookReceiver;
  let healthy: FakeWebhookReceiver;
  let channels: Map<string, Channel>;
  const { fetch, refused } = loopbackFetch();

  beforeAll(async () => {
    clock = new FakeClock('2026-01-05T09:00:00Z');
    flaky = await new FakeWebhookReceiver(SECRET, () => clock.now()).start();
    healthy = await new FakeWebhookReceiver(SECRET, () => clock.now()).start();
    channels = new Map(
      [
        makeChannel(
          { id: 'flaky', type: 'webhook', url: `${flaky.url}/hook`, secret: { env: 'S' } },
          { S: SECRET },
        ),
        makeChannel(
          { id: 'healthy', type: 'webhook', url: `${healthy.url}/hook`, secret: { env: 'S' } },
          { S: SECRET },
        ),
      ].map((c) => [c.id, c]),
    );
  });
  afterAll(async () => {
    await flaky.stop();
    await healthy.stop();
  });
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
    expect(refused).toEqual([]);
  });

  it('delivers every notification exactly once after recovery, in order, without delaying others', async () => {
    const start = clock.now();
    const items = Array.from({ length: N }, (_, i) =>
      routeNotifications(
        { channels },
        {
          channelIds: ['flaky', 'healthy'],
          event: 'triggered',
          view: sampleIncident({ id: `INC-${i}` }),
          dueAt: start,
        },
      ),
    ).flat();
    await enqueueNotifications(store, items, start);
    flaky.failAlways(reply(500, {}, 'upstream down'));

    const pass = () =>
      runOutboxPass({
        store,
        channels,
        clock,
        fetch,
        random: seededRandom(42),
        retry: { baseMs: 1000, capMs: 8000, maxAttempts: 100 },
      });
    await pass();
    // The healthy destination got everything in the very first pass, at t0.
    expect(healthy.received).toHaveLength(N);
    let passes = 1;
    while (clock.now() - start < 30_000) {
      clock.advance(1000);
      await pass();
      passes++;
    }
    expect(flaky.received).toHaveLength(0);
    const failedAttempts = flaky.requests.length;
    flaky.failAlways(undefined);
    for (let i = 0; i < 60 && flaky.received.length < N; i++) {
      clock.advance(1000);
      await pass();
      passes++;
    }
    const order = (rx: FakeWebhookReceiver) =>
      rx.received.map((r) => (r.body as { data: { incident: { id: string } } }).data.incident.id);
    const expected = Array.from({ length: N }, (_, i) => `INC-${i}`);
    expect(order(flaky)).toEqual(expected); // exactly once each, in order
    expect(order(healthy)).toEqual(expected);
    expect(new Set(flaky.received.map((r) => r.id)).size).toBe(N);
    const log = await listDeliveries(store, { incident: 'INC-0' });
    const head = log.find((r) => r.channelId === 'flaky');
    expect(head?.log.filter((a) => a.outcome === 'retryable').length).toBe(failedAttempts);
    // Only the head was retried during the outage: per-destination order holds.
    const later =
      log.length && (await listDeliveries(store, { incident: 'INC-1' })).find((r) => r.channelId === 'flaky');
    expect(later && later.attempts).toBe(1);
    console.log(
      `chaos test (${factory.name}): ${failedAttempts} failed attempts during the outage, ${passes} passes, ${N}/${N} delivered once`,
    );
    flaky.requests.length = 0;
    flaky.received.length = 0;
    healthy.received.length = 0;
  });
});
