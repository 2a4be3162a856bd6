import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../engine/clock.ts';
import { listJobs } from '../engine/jobs.ts';
import { Worker } from '../engine/worker.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { makeChannel, sampleIncident } from '../../test/notify/helpers.ts';
import type { Channel } from './channels/index.ts';
import { routeNotifications } from './dispatch.ts';
import { cancelNotifications, enqueueNotifications, listDeliveries } from './outbox.ts';
import { runOutboxPass } from './outbox-pass.ts';
import { notifyDb } from './outbox-tables.ts';
import {
  PAYLOAD_PRUNE_EVERY_MS,
  PAYLOAD_PRUNE_KEY,
  payloadRetentionHandlers,
  prunePayloads,
  startPayloadRetention,
} from './payload-retention.ts';

const clock = new FakeClock('2026-01-05T09:00:00Z');
const { fetch, refused } = loopbackFetch();
const hook = new FakeWebhookReceiver(undefined, () => clock.now());
let channels: Map<string, Channel>;
const HOUR = 3_600_000;

beforeAll(async () => {
  await hook.start();
  channels = new Map([[`a`, makeChannel({ id: 'a', type: 'webhook', url: `${hook.url}/a` }, {})]]);
});
afterAll(async () => {
  await hook.stop();
});

describe.each(storeFactories())('payload retention on $name', (factory) => {
  let store: Store;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
    expect(refused).toEqual([]);
  });

  const enqueue = (incident: string, dueAt = clock.now()) =>
    enqueueNotifications(
      store,
      routeNotifications(
        { channels },
        { channelIds: ['a'], event: 'triggered', view: sampleIncident({ id: incident }), dueAt },
      ),
      clock.now(),
    );
  const payloadIds = async (): Promise<number[]> =>
    (await notifyDb(store).selectFrom('notify_payloads').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id),
    );
  const idOf = async (incident: string): Promise<number> =>
    Number(
      (
        await notifyDb(store)
          .selectFrom('notify_outbox')
          .select('id')
          .where('incident', '=', incident)
          .executeTakeFirst()
      )?.id,
    );

  it('deletes the payloads of finished notifications after the retention, keeps their rows and every unfinished payload', async () => {
    // INC-1 is delivered now; INC-2 cancelled now; INC-3 delivered an hour later; INC-4 waits (due in a day).
    await enqueue('INC-1');
    await enqueue('INC-2', clock.now() + 60_000);
    await enqueue('INC-4', clock.now() + 24 * HOUR);
    await runOutboxPass({ store, channels, clock, fetch });
    await cancelNotifications(store, { incident: 'INC-2' }, clock.now());
    clock.advance(HOUR);
    await enqueue('INC-3');
    await runOutboxPass({ store, channels, clock, fetch });
    const [one, two, three, four] = [
      await idOf('INC-1'),
      await idOf('INC-2'),
      await idOf('INC-3'),
      await idOf('INC-4'),
    ];
    expect(await payloadIds()).toEqual([one, two, four, three].sort((a, b) => a - b));

    const worker = new Worker(store, clock, payloadRetentionHandlers(HOUR));
    await startPayloadRetention(store.db, clock.now());
    // Nothing is due before the first slot; at it, INC-1's and INC-2's finished an hour ago (or more).
    expect(await worker.runDue()).toBe(0);
    clock.advance(PAYLOAD_PRUNE_EVERY_MS);
    expect(await worker.runDue()).toBe(1);
    expect(await payloadIds()).toEqual([three, four].sort((a, b) => a - b));
    // The rows stay: they are the delivery log (and the page log of the on-call report).
    expect((await listDeliveries(store, { incident: 'INC-1' }))[0]).toMatchObject({ status: 'delivered' });
    expect((await listDeliveries(store, { incident: 'INC-2' }))[0]).toMatchObject({ status: 'cancelled' });
    // The pass re-armed its one job row; an hour on, INC-3's goes too, and INC-4's (never sent) stays.
    const next = await listJobs(store.db, PAYLOAD_PRUNE_KEY);
    expect(next.map((j) => j.status)).toEqual(['pending']);
    expect(next[0]?.runAt).toBe(clock.now() + PAYLOAD_PRUNE_EVERY_MS);
    await startPayloadRetention(store.db, clock.now()); // a restart keeps the pending pass
    expect((await listJobs(store.db, PAYLOAD_PRUNE_KEY)).map((j) => j.runAt)).toEqual([next[0]?.runAt]);
    clock.advance(HOUR);
    await worker.runDue();
    expect(await payloadIds()).toEqual([four]);
    // INC-4 is still sent with its payload when it falls due.
    clock.advance(24 * HOUR);
    expect(await runOutboxPass({ store, channels, clock, fetch })).toMatchObject({ delivered: 1 });
  });

  it('deletes at most the limit per call, oldest first', async () => {
    for (const i of [1, 2, 3]) await enqueue(`INC-${i}`);
    await runOutboxPass({ store, channels, clock, fetch });
    const [one, , three] = [await idOf('INC-1'), await idOf('INC-2'), await idOf('INC-3')];
    expect(await prunePayloads(store, clock.now() + 1, 2)).toBe(2);
    expect(await payloadIds()).toEqual([three]);
    expect(one).toBeLessThan(three);
    expect(await prunePayloads(store, clock.now() + 1, 2)).toBe(1);
    expect(await prunePayloads(store, clock.now() + 1, 2)).toBe(0);
  });
});
