import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrate, openStore, type Store } from './store.ts';
import { createTempPostgres, storeFactories } from './testing.ts';

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

  it.runIf(factory.name === 'sqlite')(
    'gives the ingest journal a smaller page cache than the main file',
    async () => {
      store = await factory.open();
      const pragma = async (db: Kysely<unknown>): Promise<unknown> =>
        (await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]?.cache_size;
      expect(await pragma(store.db as unknown as Kysely<unknown>)).toBe(-16000);
      expect(await pragma(store.journalDb as unknown as Kysely<unknown>)).toBe(-4000);
    },
  );

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

const pgAdminUrl = process.env['VIGIL_TEST_DATABASE_URL'];

describe.runIf(pgAdminUrl !== undefined)('store on postgres, when the server ends a connection', () => {
  it('reports an idle connection the server ends, survives it, and answers the next query', async () => {
    const temp = await createTempPostgres(pgAdminUrl ?? '');
    const heard: Error[] = [];
    const store = await openStore({ url: temp.url, onConnectionError: (err) => heard.push(err) });
    try {
      await store.db.selectFrom('counters').select('value').execute();
      // An administrator (or a failover) ends every session on the database; the store's pooled
      // connection is idle, so only the pool's error event hears of it.
      const admin = new pg.Client({ connectionString: pgAdminUrl });
      await admin.connect();
      const ended = await admin.query<{ n: string }>(
        'select count(pg_terminate_backend(pid))::text as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [new URL(temp.url).pathname.slice(1)],
      );
      await admin.end();
      expect(Number(ended.rows[0]?.n)).toBeGreaterThanOrEqual(1);
      await vi.waitFor(() => expect(heard.length).toBeGreaterThanOrEqual(1));
      expect(heard[0]?.message).toMatch(/terminat/);
      const row = await store.db.selectFrom('counters').select('value').executeTakeFirstOrThrow();
      expect(row.value).toBe(0);
    } finally {
      await store.close();
      await temp.drop();
    }
  });
});
