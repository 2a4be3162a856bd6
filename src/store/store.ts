import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { VigilError } from '../shared/errors.ts';
import { sqliteThreadDialect, sqliteThreadDialects } from './sqlite-thread.ts';
import { migrationsFor } from './migrations/index.ts';
import type { Dialect } from './migrations/columns.ts';
import type { Database, JournalDatabase } from './schema.ts';

export type { Dialect } from './migrations/columns.ts';

/** An open store: the typed query builder plus which dialect is behind it. */
export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs (`sqlite:/path/vigil.db` or the PostgreSQL URL without password). */
  location: string;
  /**
   * SQLite only: the ingest journal's own database file (`journal.db` beside `vigil.db`), so that
   * accepting alerts never waits for the transaction applying earlier ones (ADR 0008). On
   * PostgreSQL the journal is a table of the main database, whose connection pool already lets
   * both run at once.
   */
  journalDb?: Kysely<JournalDatabase>;
  /**
   * SQLite only: the same database, for the ingest apply's long bulk transactions, which queue for
   * the one connection behind everything else (docs/adr/0008-sqlite-worker.md). PostgreSQL's pool
   * needs no such lane.
   */
  bulkDb?: Kysely<Database>;
  close(): Promise<void>;
}

/** How to reach the store: a PostgreSQL URL, or else a data directory for SQLite. */
export interface StoreOptions {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** SQLite file name inside dataDir (default vigil.db). */
  fileName?: string;
  /**
   * PostgreSQL only: told when the server ends an idle pooled connection (a restart, a failover,
   * an administrator), so the owner can log it. The pool has already dropped that connection.
   */
  onConnectionError?: (err: Error) => void;
}

// PostgreSQL returns int8 as strings; vigil keeps times and ids as JS numbers (safe up to 2^53).
pg.types.setTypeParser(20, (v) => Number(v));

/** True when the URL selects PostgreSQL. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * How SQLite files are opened. WAL with `synchronous=NORMAL`: a commit survives a process crash;
 * a power loss can roll back the last transactions (docs/performance.md, "What survives what").
 */
const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
  // 16 MiB of page cache (default 2 MiB): large ingest transactions otherwise spill dirty pages
  // mid-transaction; measured at 1.5x the insert rate for 8,000-alert transactions.
  'cache_size = -16000',
];

/**
 * The ingest journal's file: the same, with 4 MiB of page cache. It is written at the end and
 * deleted at the start, and read only by recovery; under a burst the shared setting let its cache
 * fill with pages it never reads again, 16 MiB of resident memory for nothing.
 */
const JOURNAL_PRAGMAS = [...SQLITE_PRAGMAS.filter((p) => !p.startsWith('cache_size')), 'cache_size = -4000'];

/**
 * Opens the store and brings its schema up to date. SQLite runs in WAL mode with
 * `synchronous=NORMAL`: a committed transaction survives a process crash (SIGKILL); after a power
 * loss the last few transactions may be lost (docs/performance.md explains the choice).
 */
export async function openStore(opts: StoreOptions): Promise<Store> {
  let store: Store;
  if (isPostgresUrl(opts.url)) {
    const pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    // An idle connection the server ends emits an error on the pool; unheard, it would crash the
    // process. The pool drops that connection and the next query opens a new one.
    pool.on('error', (err) => opts.onConnectionError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    store = { db, dialect: 'postgres', location: redact(opts.url), close: () => db.destroy() };
  } else {
    const dir = opts.dataDir ?? '.vigil-data';
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, opts.fileName ?? 'vigil.db');
    const lanes = sqliteThreadDialects({ file, pragmas: SQLITE_PRAGMAS });
    const db = new Kysely<Database>({ dialect: lanes.normal });
    const bulkDb = new Kysely<Database>({ dialect: lanes.bulk });
    const journalDb = new Kysely<JournalDatabase>({
      dialect: sqliteThreadDialect({ file: path.join(dir, 'journal.db'), pragmas: JOURNAL_PRAGMAS }),
    });
    store = {
      db,
      dialect: 'sqlite',
      location: `sqlite:${file}`,
      journalDb,
      bulkDb,
      close: async () => {
        await Promise.all([db.destroy(), bulkDb.destroy(), journalDb.destroy()]);
      },
    };
    try {
      await journalDb.schema
        .createTable('ingest_journal')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('alerts', 'text', (c) => c.notNull())
        .execute();
    } catch (err) {
      await store.close();
      throw new VigilError('store_failed', `cannot open the ingest journal in ${dir}: ${String(err)}`);
    }
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

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
