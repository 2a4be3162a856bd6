import { afterEach, describe, expect, it } from 'vitest';
import { plan, rowsOf, runPlan, runPlans } from './batch.ts';
import { sqliteMessages } from './sqlite-thread.ts';
import type { Store } from './store.ts';
import { storeFactories } from './testing.ts';

describe.each(storeFactories())('statement batches on $name', (factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  const job = (key: string) => ({
    kind: 'k',
    key,
    run_at: 1,
    payload: '{}',
    status: 'pending',
    attempts: 0,
    created_at: 1,
  });

  it('runs the plans in order and gives each one its own results', async () => {
    store = await factory.open();
    const db = store.db;
    const [inserted, seen, none, count] = await runPlans(
      db,
      plan(
        [
          db
            .insertInto('jobs')
            .values([job('a'), job('b')])
            .returning('key'),
        ],
        ([r]) => rowsOf<{ key: string }>(r).map((x) => x.key),
      ),
      plan([db.selectFrom('jobs').select('key').orderBy('key')], ([r]) =>
        rowsOf<{ key: string }>(r).map((x) => x.key),
      ),
      plan([], (results) => results.length),
      plan(
        [db.updateTable('jobs').set({ attempts: 1 }), db.selectFrom('jobs').select('attempts')],
        ([u, s]) => [Number(u?.numAffectedRows), rowsOf<{ attempts: number }>(s).map((x) => x.attempts)],
      ),
    );
    expect(inserted.sort()).toEqual(['a', 'b']);
    expect(seen).toEqual(['a', 'b']);
    expect(none).toBe(0);
    expect(count).toEqual([2, [1, 1]]);
  });

  it('inside a transaction, a statement that fails in a batch rolls back the whole transaction', async () => {
    store = await factory.open();
    const s = store;
    await expect(
      s.db.transaction().execute(async (trx) => {
        await runPlan(
          trx,
          plan([trx.insertInto('jobs').values(job('first'))], () => undefined),
        );
        await runPlans(
          trx,
          plan([trx.insertInto('jobs').values(job('second'))], () => undefined),
          plan([trx.insertInto('jobs').values(job('first'))], () => undefined), // duplicate key
          plan([trx.insertInto('jobs').values(job('third'))], () => undefined),
        );
      }),
    ).rejects.toThrow();
    expect(await s.db.selectFrom('jobs').select('key').execute()).toEqual([]);
    // The connection is usable afterwards, in and out of transactions.
    await s.db.transaction().execute(async (trx) => {
      await trx.insertInto('jobs').values(job('after')).execute();
    });
    expect(await s.db.selectFrom('jobs').select('key').execute()).toEqual([{ key: 'after' }]);
  });

  it('commits and rolls back transactions that ran no statement, and recovers from a failing first statement', async () => {
    store = await factory.open();
    const s = store;
    await s.db.transaction().execute(async () => undefined);
    await expect(
      s.db.transaction().execute(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    await expect(
      s.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('no_such_table' as 'jobs')
          .selectAll()
          .execute();
      }),
    ).rejects.toThrow(/no_such_table/);
    await s.db.transaction().execute(async (trx) => {
      await trx.insertInto('jobs').values(job('ok')).execute();
    });
    expect(await s.db.selectFrom('jobs').select('key').execute()).toEqual([{ key: 'ok' }]);
  });

  it('splits a batch of very many parameters into several messages, the results still in order', async () => {
    store = await factory.open();
    const s = store;
    // Three inserts of 1,200 jobs (8,400 parameters each): more than one message can carry.
    const inserts = ['a', 'b', 'c'].map((p) =>
      plan(
        [
          s.db
            .insertInto('jobs')
            .values(Array.from({ length: 1200 }, (_, i) => job(`${p}${i}`)))
            .returning('key'),
        ],
        ([r]) => rowsOf<{ key: string }>(r).length,
      ),
    );
    const before = sqliteMessages();
    const counts = await s.db.transaction().execute((trx) =>
      runPlans(
        trx,
        ...inserts,
        plan([trx.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'))], ([r]) =>
          Number(rowsOf<{ n: number }>(r)[0]?.n),
        ),
      ),
    );
    expect(counts).toEqual([1200, 1200, 1200, 3600]);
    if (factory.name === 'sqlite') expect(sqliteMessages() - before).toBe(3); // two batches, then COMMIT
  });

  it.runIf(factory.name === 'sqlite')(
    'sends a transaction of three batched statements to the SQLite thread in two messages',
    async () => {
      store = await factory.open();
      const s = store;
      const before = sqliteMessages();
      await s.db.transaction().execute(async (trx) => {
        await runPlans(
          trx,
          plan([trx.insertInto('jobs').values(job('x'))], () => undefined),
          plan([trx.insertInto('jobs').values(job('y'))], () => undefined),
          plan([trx.selectFrom('jobs').select('key')], ([r]) => rowsOf(r)),
        );
      });
      // BEGIN rides with the batch; COMMIT is the second message.
      expect(sqliteMessages() - before).toBe(2);
    },
  );
});
