import { afterEach, describe, expect, it } from 'vitest';
import { migrate, type Store } from './store.ts';
import { storeFactories } from './testing.ts';

describe.each(storeFactories())('store on $name', (factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('migrates to the latest schema, and migrating again is a no-op', async () => {
    store = await factory.open();
    await migrate(store);
    const row = await store.db
      .selectFrom('counters')
      .select('value')
      .where('name', '=', 'incident_number')
      .executeTakeFirstOrThrow();
    expect(row.value).toBe(0);
  });

  it('round-trips epoch milliseconds beyond 32 bits as numbers', async () => {
    store = await factory.open();
    const at = Date.parse('2026-11-27T10:00:00.123Z');
    await store.db
      .insertInto('jobs')
      .values({
        kind: 'k',
        key: 'a',
        run_at: at,
        payload: '{}',
        status: 'pending',
        attempts: 0,
        created_at: at,
      })
      .execute();
    const job = await store.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(job.run_at).toBe(at);
    expect(typeof job.id).toBe('number');
  });

  it('keeps a transaction atomic: a failure rolls back every write', async () => {
    store = await factory.open();
    const s = store;
    await expect(
      s.db.transaction().execute(async (trx) => {
        await trx.updateTable('counters').set({ value: 5 }).where('name', '=', 'incident_number').execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const row = await s.db.selectFrom('counters').select('value').executeTakeFirstOrThrow();
    expect(row.value).toBe(0);
  });
});
