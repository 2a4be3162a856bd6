import { chunk, type Db } from '../store/db.ts';

/** Most alerts one flush transaction reads (a chunk holds at least one group, however large). */
export const FLUSH_CHUNK_ALERTS = 2000;

/**
 * Splits the groups due at once into chunks of at most `maxAlerts` alerts, in the order given, each
 * to be flushed in its own transaction. A notification carries its whole group, so flushing
 * hundreds of large groups together held all their alerts and messages in memory at once (most of
 * an alert storm's peak heap), while small groups — a storm's first notifications — should share
 * one transaction. One index-only count per 500 groups.
 */
export async function flushChunks(
  db: Db,
  keys: readonly string[],
  maxAlerts = FLUSH_CHUNK_ALERTS,
): Promise<string[][]> {
  if (keys.length <= 1) return keys.length === 0 ? [] : [[...keys]];
  const sizes = new Map<string, number>();
  for (const part of chunk(keys, 500)) {
    const rows = await db
      .selectFrom('alerts')
      .select(['group_key', (eb) => eb.fn.countAll<number>().as('n')])
      .where('group_key', 'in', part)
      .groupBy('group_key')
      .execute();
    for (const r of rows) sizes.set(r.group_key, Number(r.n));
  }
  return chunkBySize(keys, (k) => sizes.get(k) ?? 0, maxAlerts);
}

/** Greedy chunks of consecutive items whose sizes add up to at most `max` (one item at least). */
export function chunkBySize<T>(items: readonly T[], size: (item: T) => number, max: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    const n = size(item);
    if (current.length > 0 && total + n > max) {
      out.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}
