import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqliteThreadDialect, sqliteThreadDialects } from './sqlite-thread.ts';

interface T {
  kv: { k: string; v: number };
}

describe('SQLite in a worker thread', () => {
  let dir: string;
  let db: Kysely<T>;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sqlite-thread-'));
    db = new Kysely<T>({
      dialect: sqliteThreadDialect({ file: path.join(dir, 't.db'), pragmas: ['journal_mode = WAL'] }),
    });
    await db.schema
      .createTable('kv')
      .addColumn('k', 'text', (c) => c.primaryKey())
      .addColumn('v', 'integer', (c) => c.notNull())
      .execute();
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("reports SQLite's error code and stays usable after an error", async () => {
    await db.insertInto('kv').values({ k: 'a', v: 1 }).execute();
    await expect(db.insertInto('kv').values({ k: 'a', v: 2 }).execute()).rejects.toMatchObject({
      name: 'SqliteError',
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    const r = await db.insertInto('kv').values({ k: 'b', v: 3 }).executeTakeFirst();
    expect(r.numInsertedOrUpdatedRows).toBe(1n);
    expect(await db.selectFrom('kv').select(['k', 'v']).orderBy('k').execute()).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 3 },
    ]);
  });

  it('rolls a failed transaction back, and keeps other queries out until a transaction ends', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('kv').values({ k: 'x', v: 1 }).execute();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.selectFrom('kv').selectAll().execute()).toEqual([]);

    let outside: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('kv').values({ k: 'y', v: 1 }).execute();
      // Issued while the transaction holds the connection: it runs after the commit.
      outside = db.selectFrom('kv').select('v').where('k', '=', 'y').execute();
      await new Promise((r) => setTimeout(r, 20));
      await trx.updateTable('kv').set({ v: 2 }).where('k', '=', 'y').execute();
    });
    expect(await outside).toEqual([{ v: 2 }]);
  });

  it('runs concurrent statements in the order they were issued', async () => {
    const writes = Array.from({ length: 50 }, (_, i) =>
      db
        .insertInto('kv')
        .values({ k: 'n', v: i })
        .onConflict((oc) => oc.column('k').doUpdateSet({ v: i }))
        .execute(),
    );
    await Promise.all(writes);
    expect(await db.selectFrom('kv').select('v').executeTakeFirst()).toEqual({ v: 49 });
    expect((await sql<{ n: number }>`select count(*) as n from kv`.execute(db)).rows).toEqual([{ n: 1 }]);
  });

  it('refuses queries once closed', async () => {
    await db.destroy();
    await expect(db.selectFrom('kv').selectAll().execute()).rejects.toThrow(/destroyed/);
  });

  it('reports a file that cannot be opened', async () => {
    const bad = new Kysely<T>({
      dialect: sqliteThreadDialect({ file: path.join(dir, 'missing', 'deeper', 't.db'), pragmas: [] }),
    });
    await expect(bad.selectFrom('kv').selectAll().execute()).rejects.toThrow(/unable to open|directory/i);
    await bad.destroy();
  });
});

describe('the two lanes of one SQLite connection', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sqlite-lanes-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function lanes(bulkMaxWaitMs?: number): Promise<{ normal: Kysely<T>; bulk: Kysely<T> }> {
    const d = sqliteThreadDialects({
      file: path.join(dir, 't.db'),
      pragmas: ['journal_mode = WAL'],
      ...(bulkMaxWaitMs === undefined ? {} : { bulkMaxWaitMs }),
    });
    const normal = new Kysely<T>({ dialect: d.normal });
    const bulk = new Kysely<T>({ dialect: d.bulk });
    await normal.schema
      .createTable('kv')
      .addColumn('k', 'text', (c) => c.primaryKey())
      .addColumn('v', 'integer', (c) => c.notNull())
      .execute();
    return { normal, bulk };
  }

  /** Holds the connection in a normal transaction until `open` is called; returns the order runs finished in. */
  async function race(normal: Kysely<T>, bulk: Kysely<T>): Promise<string[]> {
    const order: string[] = [];
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let held!: () => void;
    const holding = new Promise<void>((r) => (held = r));
    const holder = normal.transaction().execute(async (trx) => {
      await trx.insertInto('kv').values({ k: 'holder', v: 0 }).execute();
      held();
      await gate;
    });
    await holding;
    // The bulk transaction queues first, then a normal query.
    const b = bulk.transaction().execute(async (trx) => {
      await trx.insertInto('kv').values({ k: 'bulk', v: 1 }).execute();
      order.push('bulk');
    });
    const n = normal
      .insertInto('kv')
      .values({ k: 'normal', v: 2 })
      .execute()
      .then(() => order.push('normal'));
    open();
    await Promise.all([holder, b, n]);
    return order;
  }

  it('serves normal work before the bulk lane, whatever the arrival order', async () => {
    // A bound far longer than the test, so a slow machine cannot make the bulk waiter overdue.
    const { normal, bulk } = await lanes(60_000);
    expect(await race(normal, bulk)).toEqual(['normal', 'bulk']);
    expect(await normal.selectFrom('kv').select('k').orderBy('k').execute()).toEqual([
      { k: 'bulk' },
      { k: 'holder' },
      { k: 'normal' },
    ]);
    await Promise.all([normal.destroy(), bulk.destroy()]);
  });

  it('serves a bulk waiter first once it has waited its longest', async () => {
    const { normal, bulk } = await lanes(0);
    expect(await race(normal, bulk)).toEqual(['bulk', 'normal']);
    await Promise.all([normal.destroy(), bulk.destroy()]);
  });

  it('keeps the connection open until both lanes are destroyed', async () => {
    const { normal, bulk } = await lanes();
    await bulk.insertInto('kv').values({ k: 'a', v: 1 }).execute();
    await bulk.destroy();
    expect(await normal.selectFrom('kv').select('v').execute()).toEqual([{ v: 1 }]);
    await normal.destroy();
  });
});
