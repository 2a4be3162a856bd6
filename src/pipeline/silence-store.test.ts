import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listJobs } from '../engine/jobs.ts';
import { VigilError } from '../shared/errors.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import {
  activeSilencesAt,
  expireSilenceById,
  getSilence,
  listSilences,
  putSilence,
  type SilenceInput,
} from './silence-store.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;

function input(over: Partial<SilenceInput> = {}): SilenceInput {
  return {
    matchers: [{ name: 'alertname', value: 'GPUMemoryHigh', isRegex: false }],
    startsAt: T0,
    endsAt: T0 + 60 * MIN,
    createdBy: 'alice',
    comment: 'driver upgrade',
    ...over,
  };
}

describe.each(storeFactories())('silence store on $name', (factory) => {
  let store: Store;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
  });
  const tx = <T>(fn: (db: Store['db']) => Promise<T>) => store.db.transaction().execute(fn);

  it('creates a silence and reads it back exactly, with isEqual spelled out', async () => {
    const res = await tx((db) => putSilence(db, input({ notifyResolvedOnEnd: true }), T0, 'sil-1'));
    expect(res.created).toBe(true);
    expect(await getSilence(store.db, 'sil-1')).toEqual({
      id: 'sil-1',
      matchers: [{ name: 'alertname', value: 'GPUMemoryHigh', isRegex: false, isEqual: true }],
      startsAt: T0,
      endsAt: T0 + 60 * MIN,
      updatedAt: T0,
      createdBy: 'alice',
      comment: 'driver upgrade',
      expireOnResolve: false,
      notifyResolvedOnEnd: true,
    });
    expect(await getSilence(store.db, 'nope')).toBeUndefined();
  });

  it('updates in place when matchers are unchanged, replaces (expiring the old) when they change', async () => {
    await tx((db) => putSilence(db, input(), T0, 'sil-1'));
    const same = await tx((db) =>
      putSilence(db, input({ id: 'sil-1', endsAt: T0 + 120 * MIN, comment: 'longer' }), T0 + MIN, 'x'),
    );
    expect(same).toMatchObject({ created: false, silence: { id: 'sil-1', comment: 'longer' } });
    expect((await getSilence(store.db, 'sil-1'))?.endsAt).toBe(T0 + 120 * MIN);

    const changed = await tx((db) =>
      putSilence(
        db,
        input({ id: 'sil-1', matchers: [{ name: 'instance', value: 'gpu-.*', isRegex: true }] }),
        T0 + 2 * MIN,
        'sil-2',
      ),
    );
    expect(changed).toMatchObject({ created: true, silence: { id: 'sil-2', startsAt: T0 + 2 * MIN } });
    expect((await getSilence(store.db, 'sil-1'))?.endsAt).toBe(T0 + 2 * MIN);
    expect((await listSilences(store.db, T0 + 2 * MIN)).map((s) => s.id)).toEqual(['sil-2', 'sil-1']);
  });

  it('rejects an unknown id and invalid silences with every issue', async () => {
    await expect(tx((db) => putSilence(db, input({ id: 'ghost' }), T0))).rejects.toMatchObject({
      code: 'not_found',
    });
    const err = await tx((db) =>
      putSilence(db, input({ matchers: [{ name: 'a', value: '.*', isRegex: true }], comment: '' }), T0),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).issues.map((i) => i.field)).toEqual(['matchers', 'comment']);
  });

  it('lists by state and loads the silences active at an instant', async () => {
    await tx(async (db) => {
      await putSilence(db, input(), T0, 'active');
      await putSilence(db, input({ startsAt: T0 + 30 * MIN, endsAt: T0 + 90 * MIN }), T0, 'pending');
      await putSilence(db, input({ endsAt: T0 + 5 * MIN }), T0, 'soon-expired');
    });
    const now = T0 + 10 * MIN;
    expect((await listSilences(store.db, now)).map((s) => s.id)).toEqual([
      'active',
      'pending',
      'soon-expired',
    ]);
    expect((await listSilences(store.db, now, ['pending'])).map((s) => s.id)).toEqual(['pending']);
    expect((await listSilences(store.db, now, ['active', 'expired'])).map((s) => s.id)).toEqual([
      'active',
      'soon-expired',
    ]);
    expect((await activeSilencesAt(store.db, now)).map((s) => s.id)).toEqual(['active']);
    expect((await activeSilencesAt(store.db, T0 + 45 * MIN)).map((s) => s.id).sort()).toEqual([
      'active',
      'pending',
    ]);
  });

  it('expires now: pending gets start = end = now; expiring twice is a conflict', async () => {
    await tx((db) => putSilence(db, input({ startsAt: T0 + 30 * MIN }), T0, 'p'));
    const e = await tx((db) => expireSilenceById(db, 'p', T0 + MIN));
    expect([e.startsAt, e.endsAt]).toEqual([T0 + MIN, T0 + MIN]);
    await expect(tx((db) => expireSilenceById(db, 'p', T0 + 2 * MIN))).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(tx((db) => expireSilenceById(db, 'none', T0))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('schedules the expire-on-resolve job with the silence and cancels it on expiry', async () => {
    await tx((db) => putSilence(db, input({ expireOnResolve: true }), T0, 'eor'));
    expect(await listJobs(store.db, 'silence-eor:')).toMatchObject([
      { key: 'silence-eor:eor', kind: 'silence.expire_on_resolve', status: 'pending', runAt: T0 },
    ]);
    await tx((db) => expireSilenceById(db, 'eor', T0 + MIN));
    expect((await listJobs(store.db, 'silence-eor:'))[0]?.status).toBe('cancelled');
  });
});
