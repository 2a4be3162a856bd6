import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from './store.ts';

/** A way to get a fresh, empty, migrated store for one test. */
export interface StoreFactory {
  name: 'sqlite' | 'postgres';
  open(): Promise<Store>;
}

const pgUrl = process.env['VIGIL_TEST_DATABASE_URL'];
let warned = false;

/**
 * The databases the store tests run against: always SQLite, and PostgreSQL when
 * VIGIL_TEST_DATABASE_URL points at a server (`.ci/run` sets it up). Without it the PostgreSQL
 * cases are skipped with a visible notice, never silently; with VIGIL_REQUIRE_POSTGRES=1 a
 * missing server fails the run instead.
 */
export function storeFactories(): StoreFactory[] {
  const factories: StoreFactory[] = [{ name: 'sqlite', open: openTempSqlite }];
  if (pgUrl) {
    factories.push({ name: 'postgres', open: () => openTempPostgres(pgUrl) });
  } else if (process.env['VIGIL_REQUIRE_POSTGRES'] === '1') {
    throw new Error('VIGIL_REQUIRE_POSTGRES=1 but VIGIL_TEST_DATABASE_URL is not set');
  } else if (!warned) {
    warned = true;
    console.warn(
      '\n*** PostgreSQL store tests SKIPPED: set VIGIL_TEST_DATABASE_URL=postgres://… (bash .ci/run does) ***\n',
    );
  }
  return factories;
}

/** A fresh SQLite store in a new temporary directory. */
export async function openTempSqlite(): Promise<Store> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  const store = await openStore({ dataDir: dir });
  const close = store.close;
  return {
    ...store,
    close: async () => {
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let seq = 0;

/**
 * Creates an empty PostgreSQL database for one test and returns its URL (for a child process to
 * open) and a function that drops it.
 */
export async function createTempPostgres(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `vigil_t_${process.pid}_${randomBytes(4).toString('hex')}_${seq++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** A fresh PostgreSQL database created for one test and dropped when it is closed. */
async function openTempPostgres(adminUrl: string): Promise<Store> {
  const db = await createTempPostgres(adminUrl);
  const store = await openStore({ url: db.url });
  const close = store.close;
  return {
    ...store,
    close: async () => {
      await close();
      await db.drop();
    },
  };
}
