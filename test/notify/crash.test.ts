import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.ts';
import { routeNotifications } from '../../src/notify/dispatch.ts';
import { enqueueNotifications, outboxCounts } from '../../src/notify/outbox.ts';
import { runOutboxPass } from '../../src/notify/outbox-pass.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTempPostgres, storeFactories } from '../../src/store/testing.ts';
import { loopbackFetch } from '../fakes/loopback-fetch.ts';
import { FakeWebhookReceiver } from '../fakes/webhook-receiver.ts';
import { crashChannels, CRASH_START } from './crash-setup.ts';
import { sampleIncident } from './helpers.ts';

const N = 1000;

/** Where the store lives: a SQLite data dir, or a fresh PostgreSQL database (both in CI). */
interface Place {
  name: string;
  make(): Promise<{ where: string; open(): Promise<Store>; remove(): Promise<void> }>;
}
const places: Place[] = [
  {
    name: 'sqlite',
    make: async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-crash-'));
      return {
        where: dir,
        open: () => openStore({ dataDir: dir }),
        remove: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];
// storeFactories() prints the visible notice (or fails under VIGIL_REQUIRE_POSTGRES) when PostgreSQL is absent.
const pgUrl = storeFactories().some((f) => f.name === 'postgres')
  ? process.env['VIGIL_TEST_DATABASE_URL']
  : undefined;
if (pgUrl) {
  places.push({
    name: 'postgres',
    make: async () => {
      const db = await createTempPostgres(pgUrl);
      return { where: db.url, open: () => openStore({ url: db.url }), remove: () => db.drop() };
    },
  });
}

describe.each(places)('outbox crash (SIGKILL of the process running the pass) on $name', (place) => {
  const clock = new FakeClock(CRASH_START);
  const rx = new FakeWebhookReceiver(undefined, () => clock.now());
  let store: Store;
  let where = '';
  let remove: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    await rx.start();
    const p = await place.make();
    where = p.where;
    remove = p.remove;
    store = await p.open();
  });
  afterAll(async () => {
    await store.close();
    await rx.stop();
    await remove();
  });

  it(`loses none of ${N} notifications; duplicates are at most those in flight`, async () => {
    const channels = crashChannels(rx.url);
    const items = Array.from({ length: N }, (_, i) =>
      routeNotifications(
        { channels },
        {
          channelIds: [`w${i % 4}`],
          event: 'triggered',
          view: sampleIncident({ id: `INC-${i}` }),
          dueAt: clock.now(),
        },
      ),
    ).flat();
    expect(await enqueueNotifications(store, items, clock.now())).toHaveLength(N);

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'crash-child.ts'), where, rx.url],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    await rx.waitForRequests(300, 20_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${stderr}`);
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const atCrash = await outboxCounts(store);
    const inFlight = atCrash.sending;
    const receivedAtCrash = rx.received.length;

    // Recovery: a new process (here, the test) runs passes after the crashed leases expire.
    const { fetch } = loopbackFetch();
    clock.advance(61_000);
    for (let i = 0; i < 50 && (await outboxCounts(store)).delivered < N; i++) {
      await runOutboxPass({ store, channels, clock, fetch, owner: 'recovery' });
    }
    const ids = rx.received.map((r) => (r.body as { data: { incident: { id: string } } }).data.incident.id);
    const unique = new Set(ids);
    const duplicates = ids.length - unique.size;
    console.log(
      `crash test: received ${receivedAtCrash} before SIGKILL, ${inFlight} in flight (claimed, not recorded), ` +
        `${unique.size}/${N} delivered after recovery, ${duplicates} duplicate(s)`,
    );
    expect(unique.size).toBe(N);
    expect((await outboxCounts(store)).delivered).toBe(N);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    // Per destination, first deliveries are in enqueue order.
    for (const d of ['w0', 'w1', 'w2', 'w3']) {
      const seq = [
        ...new Set(
          rx.requests
            .filter((r) => r.path === `/${d}`)
            .map((r) => JSON.parse(r.body) as { data: { incident: { id: string } } })
            .map((b) => Number(b.data.incident.id.slice(4))),
        ),
      ];
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  }, 60_000);
});
