// @ts-check
// The thread that owns vigil's SQLite connection (docs/adr/0008-sqlite-worker.md). It runs the
// statements the main thread sends, one at a time in arrival order, so SQLite's work (B-tree
// updates, commits, row reads) runs on a second core while the main thread parses requests,
// renders notifications and sends them. Plain JavaScript: worker threads do not inherit the
// TypeScript loader that runs the rest of vigil.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/**
 * @typedef {{ file: string, pragmas: string[], maxCachedChars: number }} WorkerInput
 * @typedef {{ id: number, sql: string, params: unknown[] }} Request
 * @typedef {{ id: number, batch: Array<{ sql: string, params: unknown[] }> }} BatchRequest
 */

const port = parentPort;
if (!port) throw new Error('sqlite-worker must run as a worker thread');
const input = /** @type {WorkerInput} */ (workerData);

/** @type {BetterSqlite3.Database} */
let db;
try {
  db = new BetterSqlite3(input.file);
  for (const p of input.pragmas) db.pragma(p);
} catch (err) {
  port.postMessage({ id: 0, error: describe(err) });
  process.exit(1);
}
port.postMessage({ id: 0, ready: true });

// Prepared statements, reused (compiling was a sixth of ingest CPU). Bounded by the total length
// of their SQL, not by count: statements with long `IN (…)` and multi-row `VALUES` lists come in
// many lengths, and a thousand of them held over 100 MB between their text and compiled programs.
/** @type {Map<string, BetterSqlite3.Statement>} */
const cache = new Map();
let chars = 0;

/** @param {string} sql */
function prepare(sql) {
  let stmt = cache.get(sql);
  if (stmt) {
    cache.delete(sql); // refresh its place: the least recently used is evicted first
  } else {
    stmt = db.prepare(sql);
    chars += sql.length;
    for (const oldest of cache.keys()) {
      if (chars <= input.maxCachedChars) break;
      cache.delete(oldest);
      chars -= oldest.length;
    }
  }
  cache.set(sql, stmt);
  return stmt;
}

/** @param {unknown} err */
function describe(err) {
  const e = /** @type {{ message?: unknown, code?: unknown }} */ (err ?? {});
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    code: typeof e.code === 'string' ? e.code : undefined,
  };
}

/**
 * Runs one statement and describes its result as the main thread expects it.
 * @param {string} sql
 * @param {unknown[]} params
 */
function run(sql, params) {
  const stmt = prepare(sql);
  if (stmt.reader) return { rows: stmt.all(params) };
  const r = stmt.run(params);
  return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
}

port.on('message', (/** @type {Request | BatchRequest | { id: number, close: true }} */ msg) => {
  if ('close' in msg) {
    try {
      db.close();
      port.postMessage({ id: msg.id, rows: [] });
    } catch (err) {
      port.postMessage({ id: msg.id, error: describe(err) });
    }
    port.close();
    return;
  }
  try {
    if ('batch' in msg) {
      // Several statements in one message, run in order; the first error stops the batch (the
      // caller's transaction then rolls back what ran before it).
      port.postMessage({ id: msg.id, results: msg.batch.map((q) => run(q.sql, q.params)) });
    } else {
      port.postMessage({ id: msg.id, ...run(msg.sql, msg.params) });
    }
  } catch (err) {
    port.postMessage({ id: msg.id, error: describe(err) });
  }
});
