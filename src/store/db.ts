import { CompiledQuery, PostgresAdapter, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The spine's query handle: a Kysely instance or a transaction over vigil's tables. */
export type Db = Kysely<Database>;

/** Parses a JSON text column holding a string map, tolerating rows written by older versions. */
export function parseStringMap(text: string): Record<string, string> {
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
}

/** Splits a list into chunks, to keep multi-row statements under parameter limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A hand-written statement with `?` placeholders, compiled for either dialect (numbered `$n` on
 * PostgreSQL), bypassing the query builder: for the hottest statements (alert upserts, timers),
 * where building a thousand-value insert was a tenth of ingest CPU. The SQL must be portable; run
 * it with `db.executeQuery` or in a batch (`../store/batch.ts`).
 */
export function rawQuery(
  db: Pick<Db, 'getExecutor'>,
  text: string,
  params: readonly unknown[],
): CompiledQuery {
  const pg = isPostgres(db);
  let n = 0;
  const compiled = pg ? text.replace(/\?/g, () => `$${++n}`) : text;
  return CompiledQuery.raw(compiled, [...params]);
}

/** Whether `db` talks to PostgreSQL, for the few statements that must be spelt per dialect. */
export function isPostgres(db: Pick<Db, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `(?, ?, …), (?, ?, …)`: placeholders for `rows` rows of `cols` values. */
export function valuesList(rows: number, cols: number): string {
  const one = `(${new Array<string>(cols).fill('?').join(', ')})`;
  return new Array<string>(rows).fill(one).join(', ');
}
