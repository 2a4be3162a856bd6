import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { FakeSlack } from '../../test/fakes/slack.ts';
import { makeChannel, sampleIncident } from '../../test/notify/helpers.ts';
import { systemClock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { routeNotifications } from './dispatch.ts';
import { enqueueNotifications, listDeliveries } from './outbox.ts';
import { OutboxRunner } from './runner.ts';

const slack = new FakeSlack('xoxb-runner', new Set(['C1']));
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await slack.start();
});
afterAll(() => slack.stop());

describe.each(storeFactories())('OutboxRunner on $name', (factory) => {
  let store: Store;
  let runner: OutboxRunner;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await runner.stop();
    await store.close();
    expect(refused).toEqual([]);
  });
  const setup = (idleMs: number) => {
    const channel = makeChannel(
      { id: 'slack', type: 'slack', token: { env: 'T' }, channel: 'C1', api_url: `${slack.url}/api` },
      { T: 'xoxb-runner' },
    );
    const channels = new Map([['slack', channel]]);
    runner = new OutboxRunner({ store, channels, clock: systemClock, fetch, idleMs });
    return channels;
  };
  const enqueue = async (channels: ReturnType<typeof setup>, id: string) => {
    const now = systemClock.now();
    const items = routeNotifications(
      { channels },
      { channelIds: ['slack'], event: 'triggered', view: sampleIncident({ id }), dueAt: now },
    );
    await enqueueNotifications(store, items, now);
  };

  it('a poke after enqueueing starts delivery within milliseconds, with a long idle interval', async () => {
    const channels = setup(60_000);
    runner.start();
    await new Promise((r) => setTimeout(r, 50)); // the first pass found nothing and is idle
    const before = slack.requests.length;
    await enqueue(channels, 'INC-101');
    runner.poke();
    // Without the poke the runner would sleep for its 60 s idle interval; the bounded wait proves it woke.
    await slack.waitForRequests(before + 1, 2000);
    await runner.stop();
    const [row] = await listDeliveries(store, { incident: 'INC-101' });
    expect(row?.status).toBe('delivered');
  });

  it('without a poke, the idle interval bounds the wait; stop() ends the loop', async () => {
    const channels = setup(30);
    runner.start();
    const before = slack.requests.length;
    await enqueue(channels, 'INC-102');
    await slack.waitForRequests(before + 1, 2000);
    await runner.stop();
    await enqueue(channels, 'INC-103');
    await new Promise((r) => setImmediate(r));
    expect(slack.requests.length).toBe(before + 1);
    // Stopped: nothing sends it (Slack pacing would hold it for a second anyway).
    expect((await listDeliveries(store, { incident: 'INC-103' }))[0]?.status).toBe('pending');
  });
});
