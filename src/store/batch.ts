import { CompiledQuery, SqliteAdapter, type Compilable, type QueryResult } from 'kysely';

// Statement batches: several statements sent to the store at once. On SQLite the connection lives
// in a worker thread (ADR 0008) and every statement is a round trip between two threads, each
// one a chance for the event loop's other work to delay the rest of the transaction; a batch is
// one round trip. On PostgreSQL the statements run one after another as before.

/** A statement as the SQLite thread receives it. */
export interface BatchStatement {
  sql: string;
  params: readonly unknown[];
}

const BATCH_SQL = '-- vigil statement batch';
const carried = new WeakMap<CompiledQuery, BatchStatement[]>();

/**
 * The statements a batch carries, when `q` is one (the SQLite thread's connection runs them in
 * one message and answers with one result per statement as the rows).
 */
export function batchStatements(q: CompiledQuery): BatchStatement[] | undefined {
  return carried.get(q);
}

/** What a batch runs on: a Kysely instance or transaction, whatever its tables. */
export interface BatchDb {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  getExecutor(): { adapter: unknown };
}

/**
 * Runs statements in order and returns one result per statement. On SQLite they go to the
 * store's thread in one message (several for very many parameters). Not atomic by itself: the first error stops the batch, so run it
 * inside a transaction when the statements must all apply or none.
 */
export async function runBatch(
  db: BatchDb,
  queries: ReadonlyArray<CompiledQuery>,
): Promise<Array<QueryResult<unknown>>> {
  if (queries.length <= 1 || !(db.getExecutor().adapter instanceof SqliteAdapter)) {
    const out: Array<QueryResult<unknown>> = [];
    for (const q of queries) out.push(await db.executeQuery(q));
    return out;
  }
  const out: Array<QueryResult<unknown>> = [];
  for (const part of messages(queries)) {
    const carrier = CompiledQuery.raw(BATCH_SQL, []);
    carried.set(
      carrier,
      part.map((q) => ({ sql: q.sql, params: q.parameters })),
    );
    out.push(...(await db.executeQuery<QueryResult<unknown>>(carrier)).rows);
  }
  return out;
}

/**
 * Most parameters one message carries. A large apply (16,384 alerts) writes hundreds of thousands
 * of values; sent at once they would be copied into the thread in one piece, and both heaps would
 * grow by the whole of it. A few messages of this size cost a few round trips instead of one.
 */
const MAX_MESSAGE_PARAMS = 20_000;

/** Consecutive statements split into messages of at most MAX_MESSAGE_PARAMS parameters (one statement at least). */
function messages(queries: ReadonlyArray<CompiledQuery>): CompiledQuery[][] {
  const out: CompiledQuery[][] = [];
  let current: CompiledQuery[] = [];
  let params = 0;
  for (const q of queries) {
    if (current.length > 0 && params + q.parameters.length > MAX_MESSAGE_PARAMS) {
      out.push(current);
      current = [];
      params = 0;
    }
    current.push(q);
    params += q.parameters.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * A read or write written as its statements plus how to read their results, so that several of
 * them can share one batch (`runPlans`) while each keeps its own code.
 */
export interface Plan<T> {
  readonly queries: readonly CompiledQuery[];
  read(results: ReadonlyArray<QueryResult<unknown>>): T;
}

/** Builds a plan from query builders (compiled here) and a reader of their results. */
export function plan<T>(
  queries: ReadonlyArray<Compilable | CompiledQuery>,
  read: (results: ReadonlyArray<QueryResult<unknown>>) => T,
): Plan<T> {
  return { queries: queries.map((q) => ('compile' in q ? q.compile() : q)), read };
}

/** The rows of a plan's result, typed as the query that made them. */
export function rowsOf<R>(result: QueryResult<unknown> | undefined): R[] {
  return (result?.rows ?? []) as R[];
}

type Outputs<P extends readonly Plan<unknown>[]> = {
  -readonly [K in keyof P]: P[K] extends Plan<infer T> ? T : never;
};

/** Runs plans in one batch and returns what each one read, in order. */
export async function runPlans<const P extends readonly Plan<unknown>[]>(
  db: BatchDb,
  ...plans: P
): Promise<Outputs<P>> {
  const results = await runBatch(
    db,
    plans.flatMap((p) => p.queries),
  );
  let at = 0;
  return plans.map((p) => {
    const mine = results.slice(at, at + p.queries.length);
    at += p.queries.length;
    return p.read(mine);
  }) as Outputs<P>;
}

/** Runs one plan (its statements in one batch). */
export async function runPlan<T>(db: BatchDb, p: Plan<T>): Promise<T> {
  const [out] = await runPlans(db, p);
  return out;
}
