import { sql, type Selectable } from 'kysely';
import { plan, rowsOf, runPlan, type Plan } from '../store/batch.ts';
import { chunk, isPostgres, rawQuery, valuesList, type Db } from '../store/db.ts';
import type { Dialect } from '../store/store.ts';
import type { JobsTable } from '../store/schema.ts';

/** A unit of timed work as the worker sees it. */
export interface Job {
  id: number;
  kind: string;
  key: string;
  runAt: number;
  payload: unknown;
  attempts: number;
}

/** What to do when a job with the same key already exists and has not run yet. */
export type OnConflict =
  /** Keep the existing job as it is (default: scheduling is idempotent). */
  | 'keep'
  /** Move the existing job to the new time and payload. */
  | 'replace'
  /** Move it only if the new time is later. */
  | 'later'
  /**
   * Move it only if the new time is earlier (e.g. "resolve check no later than this endsAt": the
   * check re-arms itself when it finds alerts still firing, so ingest writes nothing while
   * Prometheus keeps pushing endsAt forward).
   */
  | 'earlier';

/** A job to schedule: `key` makes scheduling idempotent (one row per key). */
export interface NewJob {
  kind: string;
  key: string;
  runAt: number;
  payload?: unknown;
}

/**
 * "The key starts with `prefix`", as a range of keys in byte order, so that a lookup by prefix (an
 * incident's escalation steps, a schedule's hand-offs) reads only the matching rows through an
 * index instead of every job ever scheduled: done jobs stay in the table as the record of what ran,
 * so it grows with history. SQLite compares text byte by byte and uses the key's unique index;
 * PostgreSQL compares in the database's collation, where a range is not a prefix match, so the
 * range is in the "C" collation, which `jobs_key_bytes` (migration 0011) indexes.
 */
export function keyStartsWith(db: Db, prefix: string) {
  if (prefix === '') return sql<boolean>`1 = 1`;
  const end = prefixEnd(prefix);
  // No range to compute (see prefixEnd): a condition that reads every row, but still exact.
  if (end === undefined) return keyHead(prefix);
  return isPostgres(db)
    ? sql<boolean>`(key collate "C" >= ${prefix} and key collate "C" < ${end})`
    : sql<boolean>`(key >= ${prefix} and key < ${end})`;
}

/** "The key's first characters are `prefix`": exact and portable, but no index serves it. */
function keyHead(prefix: string) {
  return sql<boolean>`substr(key, 1, ${prefix.length}) = ${prefix}`;
}

/**
 * The least string above every string that starts with `prefix`, in byte order (UTF-8 keeps code
 * point order): the prefix with its last character raised by one. Undefined when that character
 * is U+D7FF or above, where raising it could give a surrogate or pass U+FFFF (vigil's prefixes end
 * in ':').
 */
function prefixEnd(prefix: string): string | undefined {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (Number.isNaN(last) || last >= 0xd7ff) return undefined;
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

function toJob(r: Selectable<JobsTable>): Job {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    runAt: r.run_at,
    payload: JSON.parse(r.payload) as unknown,
    attempts: r.attempts,
  };
}

/**
 * Schedules a job durably (in the caller's transaction, so it commits with the state that
 * needs it). A finished job with the same key is re-armed; a pending one follows `onConflict`.
 */
export async function scheduleJob(
  db: Db,
  job: NewJob,
  now: number,
  onConflict: OnConflict = 'keep',
): Promise<void> {
  await scheduleJobs(db, [job], now, onConflict);
}

/**
 * Schedules many jobs with one statement per 100 (the ingest path arms hundreds of timers per
 * transaction). Same rules as `scheduleJob`; a key given twice keeps its last entry.
 */
export async function scheduleJobs(
  db: Db,
  jobs: readonly NewJob[],
  now: number,
  onConflict: OnConflict = 'keep',
): Promise<void> {
  await runPlan(db, scheduleJobsPlan(db, jobs, now, onConflict));
}

/** The statements of `scheduleJobs`, to run in a batch with others (`../store/batch.ts`). */
export function scheduleJobsPlan(
  db: Db,
  jobs: readonly NewJob[],
  now: number,
  onConflict: OnConflict = 'keep',
): Plan<void> {
  const unique = [...new Map(jobs.map((j) => [j.key, j])).values()];
  // Written by hand: ingest arms hundreds of timers per transaction, and building this statement
  // with the query builder cost more than running it.
  const when = CONFLICT_WHERE[onConflict];
  return plan(
    chunk(unique, 200).map((part) => {
      const params: unknown[] = [];
      for (const job of part)
        params.push(job.kind, job.key, job.runAt, JSON.stringify(job.payload ?? {}), 'pending', 0, now);
      return rawQuery(
        db,
        `insert into jobs (kind, key, run_at, payload, status, attempts, created_at) values ${valuesList(part.length, 7)}
       on conflict (key) do update set status = 'pending', run_at = excluded.run_at, payload = excluded.payload,
         attempts = 0, locked_by = null, locked_until = null${when ? ` where ${when}` : ''}`,
        params,
      );
    }),
    () => undefined,
  );
}

const FINISHED = "jobs.status in ('done', 'cancelled')";
/** When an existing row with the same key is re-armed, per `OnConflict`. */
const CONFLICT_WHERE: Record<OnConflict, string | undefined> = {
  keep: FINISHED,
  replace: undefined,
  later: `${FINISHED} or jobs.run_at < excluded.run_at`,
  earlier: `${FINISHED} or jobs.run_at > excluded.run_at`,
};

/** Cancels pending jobs by exact key or by key prefix (e.g. every escalation step of an incident). */
export async function cancelJobs(
  db: Db,
  match: { key: string } | { prefix: string },
  now: number,
): Promise<number> {
  if ('prefix' in match) return cancelJobsWithPrefixes(db, [match.prefix], now);
  const res = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: now })
    .where('status', 'in', ['pending', 'running'])
    .where('key', '=', match.key)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Cancels the pending or running jobs whose key starts with any of `prefixes`, reading the
 * unfinished jobs once: cancelling prefix by prefix reads them once per prefix, so resolving n
 * incidents at once cost n × (unfinished jobs). Returns how many were cancelled.
 */
export async function cancelJobsWithPrefixes(
  db: Db,
  prefixes: readonly string[],
  now: number,
): Promise<number> {
  const wanted = new Set(prefixes);
  if (wanted.size === 0) return 0;
  const lengths = [...new Set(prefixes.map((p) => p.length))];
  // One prefix (one incident) is a narrow range of keys. The common prefix of many is a wide one
  // (`esc:` covers every escalation step ever run), so those are found among the unfinished jobs
  // (the status index) and matched here.
  const common = commonPrefix(prefixes);
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'key'])
    .where('status', 'in', ['pending', 'running'])
    .where(wanted.size === 1 ? keyStartsWith(db, common) : keyHead(common))
    .execute();
  const ids = rows.filter((r) => lengths.some((n) => wanted.has(r.key.slice(0, n)))).map((r) => r.id);
  let cancelled = 0;
  for (const part of chunk(ids, 500)) {
    const res = await db
      .updateTable('jobs')
      .set({ status: 'cancelled', finished_at: now })
      .where('id', 'in', part)
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirst();
    cancelled += Number(res.numUpdatedRows);
  }
  return cancelled;
}

/** The longest string every one of `xs` starts with. */
function commonPrefix(xs: readonly string[]): string {
  let p = xs[0] ?? '';
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * Claims up to `limit` due jobs for `workerId` with a lease: pending jobs whose time has come,
 * and running jobs whose lease expired (their worker died). On PostgreSQL the claim uses
 * `FOR UPDATE SKIP LOCKED`, so several processes can share one job table.
 */
export async function claimDueJobs(...args: Parameters<typeof claimDueJobsPlan>): Promise<Job[]> {
  return runPlan(args[0], claimDueJobsPlan(...args));
}

/** The statement of `claimDueJobs`, to run in a batch with others (`../store/batch.ts`). */
export function claimDueJobsPlan(
  db: Db,
  dialect: Dialect,
  workerId: string,
  now: number,
  leaseMs: number,
  limit = 500,
): Plan<Job[]> {
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const claim = sql<Selectable<JobsTable>>`
    update jobs set status = 'running', locked_by = ${workerId}, locked_until = ${now + leaseMs}, attempts = attempts + 1
    where id in (
      select id from jobs
      where (status = 'pending' and run_at <= ${now}) or (status = 'running' and locked_until < ${now})
      order by run_at, id
      limit ${limit}
      ${lock}
    )
    returning *`.compile(db);
  return plan([claim], ([r]) =>
    rowsOf<Selectable<JobsTable>>(r)
      .map(toJob)
      .sort((a, b) => a.runAt - b.runAt || a.id - b.id),
  );
}

/** Marks a claimed job done, if this worker still holds it. */
export async function completeJob(db: Db, job: Job, workerId: string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now, locked_by: null, locked_until: null, last_error: null })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Marks many claimed jobs done in one statement per 500 (those this worker still holds), to run in
 * a batch with others (`../store/batch.ts`).
 */
export function completeJobsPlan(db: Db, jobs: readonly Job[], workerId: string, now: number): Plan<void> {
  return plan(
    chunk(jobs, 500).map((part) =>
      db
        .updateTable('jobs')
        .set({ status: 'done', finished_at: now, locked_by: null, locked_until: null, last_error: null })
        .where(
          'id',
          'in',
          part.map((j) => j.id),
        )
        .where('status', '=', 'running')
        .where('locked_by', '=', workerId),
    ),
    () => undefined,
  );
}

/** Records a failed attempt and puts the job back for `retryAt` (or gives up after `maxAttempts`). */
export async function failJob(
  db: Db,
  job: Job,
  workerId: string,
  error: string,
  retryAt: number,
  maxAttempts: number,
  now: number,
): Promise<void> {
  const giveUp = job.attempts >= maxAttempts;
  await db
    .updateTable('jobs')
    .set({
      status: giveUp ? 'failed' : 'pending',
      run_at: giveUp ? job.runAt : retryAt,
      last_error: error.slice(0, 2000),
      locked_by: null,
      locked_until: null,
      finished_at: giveUp ? now : null,
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
}

/** The earliest run_at of pending work, so the worker can sleep until then. */
export async function nextDueAt(db: Db): Promise<number | undefined> {
  return runPlan(db, nextDueAtPlan(db));
}

/** The statement of `nextDueAt`, to run in a batch with others (`../store/batch.ts`). */
export function nextDueAtPlan(db: Db): Plan<number | undefined> {
  return plan(
    [
      db
        .selectFrom('jobs')
        .select((eb) => eb.fn.min<number>('run_at').as('at'))
        .where('status', '=', 'pending'),
    ],
    ([r]) => {
      const at = rowsOf<{ at: number | null }>(r)[0]?.at;
      return at === null || at === undefined ? undefined : Number(at);
    },
  );
}

/** Lists jobs by key prefix (for tests, the CLI and the API). */
export async function listJobs(db: Db, prefix = ''): Promise<Array<Job & { status: string }>> {
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where(keyStartsWith(db, prefix))
    .orderBy('run_at')
    .execute();
  return rows.map((r) => ({ ...toJob(r), status: r.status }));
}
