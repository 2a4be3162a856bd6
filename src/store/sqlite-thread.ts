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
import { batchStatements } from './batch.ts';

/** How to open the SQLite file in its thread. */
export interface SqliteThreadOptions {
  file: string;
  /** PRAGMA statements run once at open (`journal_mode = WAL`, …). */
  pragmas: readonly string[];
  /** Upper bound on the total SQL length of cached prepared statements. */
  maxCachedChars?: number;
  /** How long a bulk-lane waiter may be passed over by normal work (default 100 ms). */
  bulkMaxWaitMs?: number;
}

/** What one statement gave: its rows (a reader) or what it changed (a writer). */
type Outcome = { rows: unknown[] } | { changes: number; lastInsertRowid: number | bigint };

type Reply =
  | { id: number; ready: true }
  | ({ id: number } & Outcome)
  | { id: number; results: Outcome[] }
  | { id: number; error: { message: string; code: string | undefined } };

/** One statement of a batch: its SQL and parameters. */
interface Statement {
  sql: string;
  params: readonly unknown[];
}

let messages = 0;

/**
 * How many statement messages this process has sent to its SQLite threads: each is a round trip
 * between two threads, which is what batching (`./batch.ts`) saves. For tests.
 */
export function sqliteMessages(): number {
  return messages;
}

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
    return this.#send((id) => ({ id, sql, params }));
  }

  /** Runs statements in order in one message: one round trip instead of one each. */
  callBatch(batch: readonly Statement[]): Promise<Reply> {
    return this.#send((id) => ({ id, batch }));
  }

  #send(message: (id: number) => object): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    messages++;
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage(message(id));
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
  /**
   * A BEGIN not sent yet: it goes in the same message as the transaction's first statement, which
   * saves a round trip per transaction (SQLite's deferred BEGIN takes no lock until then anyway).
   */
  #beginPending = false;

  constructor(private readonly thread: SqliteThread) {}

  begin(): void {
    this.#beginPending = true;
  }

  /** COMMIT or ROLLBACK; nothing to send when the transaction never ran a statement. */
  async end(sql: 'commit' | 'rollback'): Promise<void> {
    if (this.#beginPending) this.#beginPending = false;
    else await this.executeQuery(CompiledQuery.raw(sql));
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const batch = batchStatements(q);
    const began = this.#beginPending;
    this.#beginPending = false;
    if (!batch && !began) return toResult<R>(await this.thread.call(q.sql, q.parameters));
    const statements: Statement[] = [
      ...(began ? [{ sql: 'begin', params: [] }] : []),
      ...(batch ?? [{ sql: q.sql, params: q.parameters }]),
    ];
    const r = await this.thread.callBatch(statements);
    const outcomes = 'results' in r ? r.results.slice(began ? 1 : 0) : [];
    if (batch) return { rows: outcomes.map((o) => toResult<unknown>(o)) as R[] };
    return toResult<R>(outcomes[0] ?? { rows: [] });
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new VigilError('store_failed', 'streaming queries are not supported on SQLite');
  }
}

/** A statement's outcome as Kysely's result. */
function toResult<R>(o: Reply | Outcome): QueryResult<R> {
  if ('rows' in o) return { rows: o.rows as R[] };
  if ('changes' in o)
    return { numAffectedRows: BigInt(o.changes), insertId: BigInt(o.lastInsertRowid), rows: [] };
  return { rows: [] };
}

/** Who is asking for the connection: most work, or the ingest apply's long bulk transactions. */
export type Lane = 'normal' | 'bulk';

/**
 * How long a bulk waiter may be passed over by normal work before it goes next anyway, so a
 * stream of short transactions cannot hold the apply back indefinitely. After a storm, flushes and
 * the outbox are such a stream, and each apply of the backlog waited the whole bound: at 500 ms
 * (before session 19) the last alerts of a 100k burst were notified 12.5–12.9 s after they were
 * sent, at 100 ms 9.1–11.4 s (docs/performance.md, session 19).
 */
const BULK_MAX_WAIT_MS = 100;

/**
 * The one connection of a SQLite file, handed to one user at a time (a transaction holds it to its
 * end), with two lanes. Normal work (API reads, job claims, group flushes, the outbox's claims and
 * records) goes before the ingest apply's bulk transactions, which hold the connection for up to a
 * second each under an alert storm: served in arrival order, every step of a notification's chain
 * (flush, claim, record) waited behind one of them. A bulk waiter is still served within
 * `bulkMaxWaitMs`. When the connection is released and only bulk work waits, it is handed over
 * one millisecond later, so that the next step of a chain (a flush after an apply committed its
 * group timers, an outbox claim after a flush) can queue first.
 */
class SharedConnection {
  readonly thread: SqliteThread;
  readonly connection: ThreadConnection;
  #busy = false;
  readonly #waiting: Record<Lane, Array<{ since: number; grant: () => void }>> = { normal: [], bulk: [] };
  #deferred: NodeJS.Timeout | undefined;
  #users = 0;
  readonly #bulkMaxWaitMs: number;

  constructor(opts: SqliteThreadOptions) {
    this.thread = new SqliteThread(opts);
    this.connection = new ThreadConnection(this.thread);
    this.#bulkMaxWaitMs = opts.bulkMaxWaitMs ?? BULK_MAX_WAIT_MS;
  }

  acquire(lane: Lane): Promise<void> {
    return new Promise((grant) => {
      this.#waiting[lane].push({ since: performance.now(), grant });
      if (!this.#busy && (lane === 'normal' || !this.#deferred)) this.#next('idle');
    });
  }

  release(lane: Lane): void {
    this.#busy = false;
    this.#next(lane);
  }

  /** Hands the connection to the next waiter; `after` says who just released it. */
  #next(after: Lane | 'idle'): void {
    const normal = this.#waiting.normal;
    const bulk = this.#waiting.bulk;
    const bulkOverdue = bulk.length > 0 && performance.now() - (bulk[0]?.since ?? 0) >= this.#bulkMaxWaitMs;
    if (normal.length > 0 && !bulkOverdue) return this.#grant(normal);
    if (bulk.length === 0) return;
    if (after !== 'idle' && !bulkOverdue && !this.#deferred) {
      this.#deferred = setTimeout(() => {
        this.#deferred = undefined;
        if (!this.#busy) this.#next('idle');
      }, 1);
      return;
    }
    this.#grant(bulk);
  }

  #grant(queue: Array<{ grant: () => void }>): void {
    const first = queue.shift();
    if (!first) return;
    if (this.#deferred) clearTimeout(this.#deferred);
    this.#deferred = undefined;
    this.#busy = true;
    first.grant();
  }

  /** Counts the lanes using this connection; the thread closes when the last one is destroyed. */
  open(): void {
    this.#users++;
  }

  async close(): Promise<void> {
    if (--this.#users <= 0) await this.thread.close();
  }
}

/** One lane's driver over the shared connection. */
class ThreadDriver implements Driver {
  constructor(
    private readonly shared: SharedConnection,
    private readonly lane: Lane,
  ) {}

  async init(): Promise<void> {
    this.shared.open();
    await this.shared.thread.ready;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.shared.acquire(this.lane);
    return this.shared.connection;
  }

  async releaseConnection(): Promise<void> {
    this.shared.release(this.lane);
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    (c as ThreadConnection).begin();
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await (c as ThreadConnection).end('commit');
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await (c as ThreadConnection).end('rollback');
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
    await this.shared.close();
  }
}

/**
 * Kysely's SQLite dialect with the connection in a worker thread instead of on the event loop
 * (the SQL, its compilation and introspection are SQLite's as usual): one dialect per lane, both
 * over the same connection (see SharedConnection). A Kysely instance made from a lane's dialect
 * queues its transactions in that lane.
 */
export function sqliteThreadDialects(opts: SqliteThreadOptions): Record<Lane, Dialect> {
  const shared = new SharedConnection(opts);
  const dialect = (lane: Lane): Dialect => ({
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ThreadDriver(shared, lane),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  });
  return { normal: dialect('normal'), bulk: dialect('bulk') };
}

/** The normal lane alone (a file nothing bulk runs on, such as the ingest journal). */
export function sqliteThreadDialect(opts: SqliteThreadOptions): Dialect {
  return sqliteThreadDialects(opts).normal;
}
