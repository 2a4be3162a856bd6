import type { Kysely } from 'kysely';
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
