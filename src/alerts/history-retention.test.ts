import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../engine/clock.ts';
import { listJobs } from '../engine/jobs.ts';
import { Worker } from '../engine/worker.ts';
import { runPlan } from '../store/batch.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { appendHistoryPlan } from './alert-store.ts';
import type { Alert } from './alert.ts';
import {
  HISTORY_PRUNE_EVERY_MS,
  HISTORY_PRUNE_KEY,
  historyRetentionHandlers,
  pruneAlertHistory,
  startHistoryRetention,
  type HistoryRetention,
} from './history-retention.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function alert(fp: string, at: number): Alert {
  return {
    fingerprint: fp,
    labels: { alertname: 'ModelDrift', model: fp },
    annotations: { summary: `drift at ${at}` },
    startsAt: at,
    endsAt: at + HOUR,
    updatedAt: at,
    timeout: false,
    generatorURL: '',
    source: 'test',
  };
}

describe.each(storeFactories())('alert history retention on $name', (factory) => {
  let store: Store;
  afterEach(async () => store?.close());

  /** Records `n` versions received at `at` (one per fingerprint `prefix-i`). */
  async function record(prefix: string, n: number, at: number): Promise<void> {
    const alerts = Array.from({ length: n }, (_, i) => alert(`${prefix}-${i}`, at));
    await runPlan(store.db, appendHistoryPlan(store.db, alerts, at));
  }
  async function received(): Promise<number[]> {
    const rows = await store.db.selectFrom('alert_events').select('received_at').orderBy('id').execute();
    return rows.map((r) => Number(r.received_at));
  }
  async function pass(clock: FakeClock, r: HistoryRetention): Promise<void> {
    await new Worker(store, clock, historyRetentionHandlers(r)).runDue();
  }

  it('deletes the versions older than the retention every five minutes, and keeps the rest', async () => {
    store = await factory.open();
    const clock = new FakeClock('2026-11-29T10:00:00Z');
    const now = clock.now();
    // 4,500 old versions (more than one statement deletes), then 3 inside the retention.
    await record('old', 4500, now - 40 * DAY);
    await record('edge', 1, now - 30 * DAY + HOUR);
    await record('new', 2, now - HOUR);
    const r = { retentionMs: 30 * DAY, keepAtLeastMs: 0 };
    await startHistoryRetention(store.db, now, r);
    const [armed] = await listJobs(store.db, HISTORY_PRUNE_KEY);
    expect(armed?.runAt).toBe((Math.floor(now / HISTORY_PRUNE_EVERY_MS) + 1) * HISTORY_PRUNE_EVERY_MS);

    await pass(clock, r);
    expect(await received()).toHaveLength(4503); // not due yet
    clock.set(armed?.runAt ?? 0);
    await pass(clock, r);
    expect(await received()).toEqual([now - 30 * DAY + HOUR, now - HOUR, now - HOUR]);
    // Re-armed for the next slot, one row for every pass.
    const next = await listJobs(store.db, HISTORY_PRUNE_KEY);
    expect(next.map((j) => [j.status, j.runAt])).toEqual([
      ['pending', (armed?.runAt ?? 0) + HISTORY_PRUNE_EVERY_MS],
    ]);

    // Two hours later the 'edge' version is past the retention too.
    clock.advance(2 * HOUR);
    await pass(clock, r);
    expect(await received()).toEqual([now - HOUR, now - HOUR]);
  });

  it('keeps what flap detection reads back, however short the retention', async () => {
    store = await factory.open();
    const clock = new FakeClock('2026-11-29T10:00:00Z');
    const now = clock.now();
    await record('a', 3, now - 3 * HOUR);
    await record('b', 2, now - 50 * 60_000);
    expect(await pruneAlertHistory(store.db, now - HOUR, 2000)).toBe(3);
    // A one-minute retention with a 30 min window and 30 min settle keeps the last hour.
    await record('c', 1, now - 2 * HOUR);
    await startHistoryRetention(store.db, now, { retentionMs: 60_000, keepAtLeastMs: HOUR });
    clock.advance(HISTORY_PRUNE_EVERY_MS);
    await pass(clock, { retentionMs: 60_000, keepAtLeastMs: HOUR });
    expect(await received()).toEqual([now - 50 * 60_000, now - 50 * 60_000]);
  });

  it('keeps everything with a retention of 0, and a pass armed before does not re-arm', async () => {
    store = await factory.open();
    const clock = new FakeClock('2026-11-29T10:00:00Z');
    const now = clock.now();
    await record('old', 3, now - 400 * DAY);
    await startHistoryRetention(store.db, now, { retentionMs: 0, keepAtLeastMs: 0 });
    expect(await listJobs(store.db, HISTORY_PRUNE_KEY)).toEqual([]);
    // Armed by an earlier run that had a retention; this one has none.
    await startHistoryRetention(store.db, now, { retentionMs: DAY, keepAtLeastMs: 0 });
    clock.advance(HISTORY_PRUNE_EVERY_MS);
    await pass(clock, { retentionMs: 0, keepAtLeastMs: 0 });
    expect(await received()).toHaveLength(3);
    expect((await listJobs(store.db, HISTORY_PRUNE_KEY)).map((j) => j.status)).toEqual(['done']);
  });
});
