import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { FakeClock } from './clock.ts';
import { sqliteMessages } from '../store/sqlite-thread.ts';
import { cancelJobs, cancelJobsWithPrefixes, claimDueJobs, listJobs, scheduleJob } from './jobs.ts';
import { Worker, type JobHandler } from './worker.ts';

// A type alias (not an interface) so that it satisfies Kysely's table-map constraint.
type EffectsTable = {
  effects: { key: string; ran_at: number; runs: number };
};

describe.each(storeFactories())('job worker on $name', (factory) => {
  let store: Store;
  afterEach(async () => store?.close());

  async function setup(): Promise<{
    clock: FakeClock;
    handler: JobHandler;
    effects: () => Promise<Array<{ key: string; ran_at: number; runs: number }>>;
  }> {
    store = await factory.open();
    await sql`create table effects (key varchar(100) primary key, ran_at bigint not null, runs integer not null)`.execute(
      store.db,
    );
    const clock = new FakeClock('2026-11-27T10:00:00Z');
    const db = store.db.withTables<EffectsTable>();
    // An idempotent handler: it records its effect once per job key, counting attempts.
    const handler: JobHandler = async (job, { now }) => {
      await db
        .insertInto('effects')
        .values({ key: job.key, ran_at: now, runs: 1 })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ runs: eb('effects.runs', '+', 1) })))
        .execute();
    };
    return { clock, handler, effects: () => db.selectFrom('effects').selectAll().orderBy('key').execute() };
  }

  it('runs each due job once, on time, and survives a worker dying mid-way', async () => {
    const { clock, handler, effects } = await setup();
    const start = clock.now();
    const due = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const key = `step:${String(i).padStart(2, '0')}`;
      const runAt = start + i * 30_000 + 7_000;
      due.set(key, runAt);
      await scheduleJob(store.db, { kind: 'test', key, runAt }, start);
    }
    // Scheduling the same key again is idempotent: still one row per key.
    await scheduleJob(store.db, { kind: 'test', key: 'step:00', runAt: start + 1 }, start);
    expect((await listJobs(store.db, 'step:')).length).toBe(20);

    const first = new Worker(store, clock, { test: handler }, { leaseMs: 10_000, workerId: 'first' });
    for (let t = 0; t < 5 * 60_000; t += 500) {
      clock.advance(500);
      await first.runDue();
    }
    // The first process dies holding a claim: it took the next due jobs but never finished them.
    clock.advance(60_000);
    const orphaned = await claimDueJobs(store.db, store.dialect, 'first', clock.now(), 10_000);
    expect(orphaned.length).toBeGreaterThan(0);

    const second = new Worker(store, clock, { test: handler }, { leaseMs: 10_000, workerId: 'second' });
    await second.runDue();
    expect((await effects()).filter((e) => orphaned.some((o) => o.key === e.key))).toEqual([]);
    for (let t = 0; t < 10 * 60_000; t += 500) {
      clock.advance(500);
      await second.runDue();
    }
    const done = await effects();
    expect(done.map((e) => e.key)).toEqual([...due.keys()]);
    expect(done.every((e) => e.runs === 1)).toBe(true);
    // Jobs that were due while nothing was dead ran within 1 s of their due time.
    const onTime = done.filter(
      (e) => !orphaned.some((o) => o.key === e.key) && (due.get(e.key) ?? 0) < start + 5 * 60_000,
    );
    expect(onTime.length).toBeGreaterThan(5);
    for (const e of onTime) expect(e.ran_at - (due.get(e.key) ?? 0)).toBeLessThanOrEqual(1000);
    expect((await listJobs(store.db, 'step:')).every((j) => j.status === 'done')).toBe(true);
  });

  it('retries a failing job with backoff and never loses it', async () => {
    const { clock } = await setup();
    let calls = 0;
    const flaky: JobHandler = () => {
      calls++;
      return calls < 3 ? Promise.reject(new Error('far end down')) : Promise.resolve();
    };
    await scheduleJob(store.db, { kind: 'flaky', key: 'f', runAt: clock.now() }, clock.now());
    const w = new Worker(store, clock, { flaky });
    await w.runDue();
    expect((await listJobs(store.db, 'f'))[0]).toMatchObject({ status: 'pending' });
    clock.advance(60_000);
    await w.runDue();
    clock.advance(60_000);
    await w.runDue();
    expect(calls).toBe(3);
    expect((await listJobs(store.db, 'f'))[0]).toMatchObject({ status: 'done' });
  });

  it('cancels pending jobs by key prefix (e.g. escalation steps after an acknowledgement)', async () => {
    const { clock, handler, effects } = await setup();
    for (const k of ['esc:1:0:1', 'esc:1:0:2', 'esc:10:0:1'])
      await scheduleJob(store.db, { kind: 'test', key: k, runAt: clock.now() + 1000 }, clock.now());
    expect(await cancelJobs(store.db, { prefix: 'esc:1:' }, clock.now())).toBe(2);
    clock.advance(2000);
    await new Worker(store, clock, { test: handler }).runDue();
    expect((await effects()).map((e) => e.key)).toEqual(['esc:10:0:1']);
  });

  it('cancels the unfinished jobs of many prefixes at once, and nothing else', async () => {
    const { clock, handler, effects } = await setup();
    const keys = [
      'esc:1:0:1',
      'esc:1:0:2',
      'esc:10:0:1',
      'esc:2:0:1',
      'esc:3:0:1',
      'resolve-check:1',
      'esc:21:0:1',
    ];
    for (const k of keys)
      await scheduleJob(store.db, { kind: 'test', key: k, runAt: clock.now() + 1000 }, clock.now());
    // One that already ran is left as it is.
    await scheduleJob(store.db, { kind: 'test', key: 'esc:2:9:9', runAt: clock.now() }, clock.now());
    await new Worker(store, clock, { test: handler }).runDue();
    expect(await cancelJobsWithPrefixes(store.db, ['esc:1:', 'esc:2:', 'esc:99:'], clock.now())).toBe(3);
    expect(await cancelJobsWithPrefixes(store.db, [], clock.now())).toBe(0);
    clock.advance(2000);
    await new Worker(store, clock, { test: handler }).runDue();
    expect((await effects()).map((e) => e.key).sort()).toEqual(
      ['esc:10:0:1', 'esc:2:9:9', 'esc:21:0:1', 'esc:3:0:1', 'resolve-check:1'].sort(),
    );
    expect((await listJobs(store.db, 'esc:2:9:9'))[0]?.status).toBe('done');
  });

  it("moves a job only later with 'later' (resolve checks follow the latest endsAt)", async () => {
    const { clock } = await setup();
    const now = clock.now();
    await scheduleJob(store.db, { kind: 'test', key: 'r', runAt: now + 5000 }, now, 'later');
    await scheduleJob(store.db, { kind: 'test', key: 'r', runAt: now + 3000 }, now, 'later');
    expect((await listJobs(store.db, 'r'))[0]?.runAt).toBe(now + 5000);
    await scheduleJob(store.db, { kind: 'test', key: 'r', runAt: now + 9000 }, now, 'later');
    expect((await listJobs(store.db, 'r'))[0]?.runAt).toBe(now + 9000);
  });

  it('marks a batch done with the next claim, and leaves a job its batch re-armed pending', async () => {
    const { clock } = await setup();
    const now = clock.now();
    for (const key of ['g:a', 'g:b', 'g:c'])
      await scheduleJob(store.db, { kind: 'flush', key, runAt: now + 1000 }, now);
    const seen: string[][] = [];
    const handler: JobHandler = async () => {
      throw new Error('the batch runs, not the single handler');
    };
    // Like a group flush: the handler re-arms one of its jobs for later in its own statement.
    handler.batch = async (jobs, ctx) => {
      seen.push(jobs.map((j) => j.key));
      if (seen.length === 1)
        await scheduleJob(
          ctx.store.db,
          { kind: 'flush', key: 'g:b', runAt: ctx.now + 5000 },
          ctx.now,
          'replace',
        );
    };
    const worker = new Worker(store, clock, { flush: handler }, { workerId: 'w' });
    clock.advance(1000);
    const before = sqliteMessages();
    expect(await worker.runDue()).toBe(3);
    // The claim; then the batch's re-arm; then the completion with the claim that finds nothing.
    if (factory.name === 'sqlite') expect(sqliteMessages() - before).toBe(3);
    expect(seen).toEqual([['g:a', 'g:b', 'g:c']]);
    const jobs = new Map((await listJobs(store.db, 'g:')).map((j) => [j.key, j]));
    expect(jobs.get('g:a')?.status).toBe('done');
    expect(jobs.get('g:c')?.status).toBe('done');
    expect(jobs.get('g:b')).toMatchObject({ status: 'pending', runAt: now + 6000 });
    clock.advance(5000);
    expect(await worker.runDue()).toBe(1);
    expect(seen.at(-1)).toEqual(['g:b']);
    expect((await listJobs(store.db, 'g:b'))[0]?.status).toBe('done');
  });
});
