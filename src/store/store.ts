import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type MigrationProvider,
  type SqliteDatabase,
} from 'kysely';
import pg from 'pg';
import { VigilError } from '../shared/errors.ts';
import { migrationsFor } from './migrations/index.ts';
import type { Dialect } from './migrations/columns.ts';
import type { Database } from './schema.ts';

export type { Dialect } from './migrations/columns.ts';

/** An open store: the typed query builder plus which dialect is behind it. */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs (`sqlite:/path/vigil.db` or the PostgreSQL URL without password). */
  location: string;
  close(): Promise<void>;
}

/** How to reach the store: a PostgreSQL URL, or else a data directory for SQLite. */
export interface StoreOptions {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** SQLite file name inside dataDir (default vigil.db). */
  fileName?: string;
}

// PostgreSQL returns int8 as strings; vigil keeps times and ids as JS numbers (safe up to 2^53).
pg.types.setTypeParser(20, (v) => Number(v));

/** True when the URL selects PostgreSQL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the store and brings its schema up to date. SQLite runs in WAL mode with
 * `synchronous=NORMAL`: a committed transaction survives a process crash (SIGKILL); after a power
 * loss the last few transactions may be lost (docs/performance.md explains the choice).
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(opts.url)) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', location: redact(opts.url), close: () => db.destroy() };
  } else {
    const dir = opts.dataDir ?? '.vigil-data';
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, opts.fileName ?? 'vigil.db');
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // 16 MiB of page cache (default 2 MiB): large ingest transactions otherwise spill dirty pages
    // mid-transaction; measured at 1.5x the insert rate for 8,000-alert transactions.
    sqlite.pragma('cache_size = -16000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
    store = { db, dialect: 'sqlite', location: `sqlite:${file}`, close: () => db.destroy() };
  }
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** Runs every pending migration; an error names the migration that failed. */
export async function migrate(store: Store): Promise<void> {
  const all = migrationsFor(store.dialect);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(all) };
  // Migrations from different features may land in any order; each creates its own objects.
  const migrator = new Migrator({ db: store.db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new VigilError('store_failed', `migration ${failed} failed: ${String(error)}`);
  }
}

/**
 * Wraps better-sqlite3 so that Kysely's driver reuses prepared statements instead of compiling
 * the same SQL on every query (profiling showed `prepare` at a sixth of ingest CPU). The cache is
 * bounded by the total length of its SQL, not by count: statements with long `IN (…)` and
 * multi-row `VALUES` lists come in many lengths, and a thousand of them held over 100 MB between
 * their text and SQLite's compiled programs. Statements are only ever run synchronously, so
 * sharing one is safe.
 */
function cachingDatabase(sqlite: BetterSqlite3.Database, maxChars = 1_000_000): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  let chars = 0;
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt) {
        // Refresh its place so the least recently used statement is evicted first.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        chars += sql.length;
        for (const oldest of cache.keys()) {
          if (chars <= maxChars) break;
          cache.delete(oldest);
          chars -= oldest.length;
        }
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
