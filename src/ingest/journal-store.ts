import type { Alert } from '../alerts/alert.ts';
import type { Db } from '../store/db.ts';

/** One accepted batch in the ingest journal. */
export interface JournalEntry {
  id: number;
  receivedAt: number;
  alerts: Alert[];
}

/**
 * Appends an accepted batch to the journal and returns its id. Once this commits the alerts are
 * durable: a crash before they are applied is repaired by applying the journal at start-up.
 */
export async function appendJournal(db: Db, alerts: readonly Alert[], now: number): Promise<number> {
  const row = await db
    .insertInto('ingest_journal')
    .values({ received_at: now, count: alerts.length, alerts: JSON.stringify(alerts) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Every journal entry not yet applied, oldest first (start-up recovery). */
export async function readJournal(db: Db): Promise<JournalEntry[]> {
  const rows = await db.selectFrom('ingest_journal').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    receivedAt: r.received_at,
    alerts: JSON.parse(r.alerts) as Alert[],
  }));
}

/**
 * Removes entries as part of the transaction that applies them, and returns the ids that were
 * still there: an entry another process applied first is not applied twice.
 */
export async function takeJournal(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .deleteFrom('ingest_journal')
    .where('id', 'in', [...ids])
    .returning('id')
    .execute();
  return new Set(rows.map((r) => Number(r.id)));
}
