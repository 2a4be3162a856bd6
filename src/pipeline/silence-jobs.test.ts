import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveAlerts, type StoredAlert } from '../alerts/alert-store.ts';
import { FakeClock } from '../engine/clock.ts';
import { listJobs } from '../engine/jobs.ts';
import { Worker } from '../engine/worker.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { checkExpireOnResolve, EXPIRE_ON_RESOLVE_POLL_MS, silenceHandlers } from './silence-jobs.ts';
import { getSilence, putSilence, type SilenceInput } from './silence-store.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;

function alert(fp: string, labels: Record<string, string>, endsAt: number): StoredAlert {
  return {
    fingerprint: fp,
    labels,
    annotations: {},
    startsAt: T0 - MIN,
    endsAt,
    timeout: false,
    updatedAt: T0,
    generatorURL: '',
    source: 'test',
    incidentId: null,
    groupKey: 'g',
  };
}

const eor: SilenceInput = {
  matchers: [{ name: 'alertname', value: 'GPUDown', isRegex: false }],
  startsAt: T0,
  endsAt: T0 + 120 * MIN,
  createdBy: 'alice',
  comment: 'until it recovers',
  expireOnResolve: true,
};

describe.each(storeFactories())('expire-on-resolve job on $name', (factory) => {
  let store: Store;
  beforeEach(async () => {
    store = await factory.open();
    await store.db.transaction().execute((db) => putSilence(db, eor, T0, 'eor'));
  });
  afterEach(async () => {
    await store.close();
  });

  it('keeps the silence while no matched alert has resolved, rechecking at the earliest end', async () => {
    expect(await checkExpireOnResolve(store.db, 'eor', T0)).toEqual({
      kind: 'recheck',
      at: T0 + EXPIRE_ON_RESOLVE_POLL_MS,
    });
    await saveAlerts(store.db, [
      alert('a1', { alertname: 'GPUDown', instance: 'gpu-1' }, T0 + 5_000),
      alert('a2', { alertname: 'GPUDown', instance: 'gpu-2' }, T0 + 10 * MIN),
      alert('x', { alertname: 'Other' }, T0 + 1_000),
    ]);
    expect(await checkExpireOnResolve(store.db, 'eor', T0)).toEqual({ kind: 'recheck', at: T0 + 5_000 });
    // gpu-1 resolved, gpu-2 still fires: the silence stays.
    expect((await checkExpireOnResolve(store.db, 'eor', T0 + 6_000)).kind).toBe('recheck');
    expect(await checkExpireOnResolve(store.db, 'eor', T0 + 10 * MIN)).toEqual({ kind: 'expired' });
    expect((await getSilence(store.db, 'eor'))?.endsAt).toBe(T0 + 10 * MIN);
    expect((await checkExpireOnResolve(store.db, 'eor', T0 + 11 * MIN)).kind).toBe('done');
  });

  it('runs durably in the worker: re-arms itself, then expires the silence when the alert resolves', async () => {
    const clock = new FakeClock(T0);
    const worker = new Worker(store, clock, { ...silenceHandlers });
    await saveAlerts(store.db, [alert('a1', { alertname: 'GPUDown' }, T0 + 3 * MIN)]);
    expect(await worker.runDue()).toBe(1);
    expect(await listJobs(store.db, 'silence-eor:')).toMatchObject([
      { status: 'pending', runAt: T0 + EXPIRE_ON_RESOLVE_POLL_MS },
    ]);
    // An explicit resolve (endsAt = now) is noticed at the next poll.
    clock.advance(10_000);
    await saveAlerts(store.db, [alert('a1', { alertname: 'GPUDown' }, T0 + 10_000)]);
    expect(await worker.runDue()).toBe(0);
    clock.advance(5_000);
    expect(await worker.runDue()).toBe(1);
    const s = await getSilence(store.db, 'eor');
    expect(s?.endsAt).toBe(T0 + 15_000);
    expect((await listJobs(store.db, 'silence-eor:'))[0]?.status).toBe('cancelled');
  });
});
