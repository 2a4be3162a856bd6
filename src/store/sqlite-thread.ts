import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import { VigilError } from '../shared/errors.ts';

/** How to open the SQLite file in its thread. */
export interface SqliteThreadOptions {
  file: string;
  /** PRAGMA statements run once at open (`journal_mode = WAL`, …). */
  pragmas: readonly string[];
  /** Upper bound on the total SQL length of cached prepared statements. */
  maxCachedChars?: number;
}

type Reply =
  | { id: number; ready: true }
  | { id: number; rows: unknown[] }
  | { id: number; changes: number; lastInsertRowid: number | bigint }
  | { id: number; error: { message: string; code: string | undefined } };

/** An error SQLite raised in its thread, with SQLite's code (`SQLITE_CONSTRAINT_UNIQUE`, …). */
export class SqliteThreadError extends Error {
  /** SQLite's extended result code, as better-sqlite3 names it. */
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

/**
 * One SQLite connection owned by a worker thread (docs/adr/0008-sqlite-worker.md). Statements
 * are sent in order and run one at a time, so SQLite's CPU (B-trees, commits, reading rows) runs
 * on a second core while the event loop parses requests, renders and sends notifications.
 */
class SqliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #dead: Error | undefined;
  readonly ready: Promise<void>;

  constructor(opts: SqliteThreadOptions) {
    this.#worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), {
      workerData: {
        file: opts.file,
        pragmas: [...opts.pragmas],
        maxCachedChars: opts.maxCachedChars ?? 1_000_000,
      },
    });
    this.ready = new Promise((resolve, reject) => this.#pending.set(0, { resolve: () => resolve(), reject }));
    this.#worker.on('message', (r: Reply) => {
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      // An idle thread does not keep the process alive (a CLI command that forgets to close its
      // store still exits); one with a statement in flight does.
      if (this.#pending.size === 0) this.#worker.unref();
      if ('error' in r) p.reject(new SqliteThreadError(r.error.message, r.error.code));
      else p.resolve(r);
    });
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) =>
      this.#fail(new VigilError('store_failed', `the SQLite thread exited (code ${code})`)),
    );
  }

  #fail(err: Error): void {
    this.#dead ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  /** Runs one statement in the thread. */
  call(sql: string, params: readonly unknown[]): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, sql, params });
    });
  }

  /** Closes the database and ends the thread. */
  async close(): Promise<void> {
    if (!this.#dead) {
      const id = this.#nextId++;
      await new Promise<Reply>((resolve, reject) => {
        this.#worker.ref();
        this.#pending.set(id, { resolve, reject });
        this.#worker.postMessage({ id, close: true });
      }).catch(() => undefined);
    }
    this.#dead ??= new VigilError('store_failed', 'the store is closed');
    await this.#worker.terminate();
  }
}

class ThreadConnection implements DatabaseConnection {
  constructor(private readonly thread: SqliteThread) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.thread.call(q.sql, q.parameters);
    if ('rows' in r) return { rows: r.rows as R[] };
    if ('changes' in r)
      return { numAffectedRows: BigInt(r.changes), insertId: BigInt(r.lastInsertRowid), rows: [] };
    return { rows: [] };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new VigilError('store_failed', 'streaming queries are not supported on SQLite');
  }
}

/** The single connection, handed to one user at a time (a transaction holds it to its end). */
class ThreadDriver implements Driver {
  #thread: SqliteThread | undefined;
  #connection: ThreadConnection | undefined;
  #lock: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SqliteThreadOptions) {}

  async init(): Promise<void> {
    this.#thread = new SqliteThread(this.opts);
    this.#connection = new ThreadConnection(this.#thread);
    await this.#thread.ready;
  }

  #release: (() => void) | undefined;

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#lock;
    let release!: () => void;
    this.#lock = new Promise((r) => (release = r));
    await previous;
    this.#release = release;
    if (!this.#connection) throw new VigilError('store_failed', 'the store is not open');
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await c.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(c: DatabaseConnection, name: string): Promise<void> {
    await c.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async destroy(): Promise<void> {
    await this.#thread?.close();
  }
}

/**
 * Kysely's SQLite dialect with the connection in a worker thread instead of on the event loop
 * (the SQL, its compilation and introspection are SQLite's as usual).
 */
export function sqliteThreadDialect(opts: SqliteThreadOptions): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ThreadDriver(opts),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
