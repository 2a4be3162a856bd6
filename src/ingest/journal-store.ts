import type { Kysely, QueryResult } from 'kysely';
import { plan, rowsOf, type Plan } from '../store/batch.ts';
import { chunk, type Db } from '../store/db.ts';
import type { AlertBatch } from './alert-batch.ts';
import type { JournalDatabase } from '../store/schema.ts';
import type { Store } from '../store/store.ts';

/**
 * One accepted batch in the ingest journal. The alerts stay in their journal text until applied:
 * under a burst tens of thousands wait, and as objects they cost several times the memory (and,
 * surviving into the old generation, the garbage collector's time) of one string per batch.
 */
export interface JournalEntry {
  id: number;
  receivedAt: number;
  /** How many alerts the batch holds. */
  count: number;
  /** The alerts as the journal stores them (a JSON array); `batchAlerts` reads them. */
  text: string;
  /**
   * In memory only: the entry holds alerts of groups seen before, so its apply may wait while
   * requests keep coming (recovered entries are applied before serving, so this is never read).
   */
  deferrable?: boolean;
  /**
   * In memory only: how many groups not seen before the entry brings; intake may wait for its
   * apply, which their first pages depend on (ADR 0015).
   */
  urgent?: number;
  /**
   * In memory only: true when the entry brings groups not seen before. Their group timers run
   * from the request's arrival, so the entry is applied at once instead of waiting for more.
   */
  fresh?: boolean;
}

/**
 * Where accepted batches wait until they are applied (ADR 0007). Appending is what makes alerts
 * durable; applying claims entries inside the transaction that applies them, so an entry is
 * applied exactly once even across a crash or a second process.
 */
export interface IngestJournal {
  /** Appends an accepted batch and returns its entry; the alerts are durable once this resolves. */
  append(batch: AlertBatch, now: number): Promise<JournalEntry>;
  /** Every entry not yet applied, oldest first (start-up recovery). */
  unapplied(): Promise<JournalEntry[]>;
  /**
   * Claims entries inside the transaction that applies them and returns the ids not applied
   * before: only those may be applied. A plan (`../store/batch.ts`), so the claim shares the
   * apply's first round trip with its reads.
   */
  claim(trx: Db, ids: readonly number[]): Plan<Set<number>>;
  /** Drops entries whose apply has committed (housekeeping; losing it repeats nothing). */
  forget(ids: readonly number[]): Promise<void>;
}

/**
 * The journal of a store: on PostgreSQL a table of the main database; on SQLite a file of its own
 * (`journal.db`), so that appending never waits for the transaction applying earlier entries — the
 * main file has a single writer (ADR 0008).
 */
export function journalOf(store: Pick<Store, 'db' | 'journalDb'>): IngestJournal {
  return store.journalDb ? fileJournal(store.db, store.journalDb) : tableJournal(store.db);
}

function toEntry(r: { id: number; received_at: number; count: number; alerts: string }): JournalEntry {
  return { id: Number(r.id), receivedAt: Number(r.received_at), count: Number(r.count), text: r.alerts };
}

async function appendTo(db: Kysely<JournalDatabase>, batch: AlertBatch, now: number): Promise<JournalEntry> {
  const { count, text } = batch;
  const row = await db
    .insertInto('ingest_journal')
    .values({ received_at: now, count, alerts: text })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), receivedAt: now, count, text };
}

/** The ids a claim's statements returned. */
function idsOf(results: ReadonlyArray<QueryResult<unknown>>): Set<number> {
  return new Set(results.flatMap((r) => rowsOf<{ id: number }>(r).map((row) => Number(row.id))));
}

/** The journal as a table of the main database: claiming deletes the entry (DELETE … RETURNING). */
function tableJournal(db: Db): IngestJournal {
  return {
    // The main database holds the same table (Database includes JournalDatabase's tables).
    append: (batch, now) => appendTo(db as unknown as Kysely<JournalDatabase>, batch, now),
    unapplied: async () =>
      (await db.selectFrom('ingest_journal').selectAll().orderBy('id').execute()).map(toEntry),
    claim: (trx, ids) =>
      plan(
        chunk(ids, 500).map((part) =>
          trx.deleteFrom('ingest_journal').where('id', 'in', part).returning('id'),
        ),
        idsOf,
      ),
    forget: () => Promise.resolve(),
  };
}

/**
 * The journal in its own SQLite file. Claiming records the entry's id in the main database's
 * `ingest_applied` (in the applying transaction: an id already there was applied before); the
 * entry is deleted afterwards, and its id by the next claim. Recovery treats an entry whose id is recorded as
 * applied, and also moves entries a previous version left in the main database's own journal
 * table into the file (keeping their ids, so a repeated move cannot duplicate one).
 */
function fileJournal(db: Db, journal: Kysely<JournalDatabase>): IngestJournal {
  /** Ids of applied entries deleted from the journal whose `ingest_applied` record remains. */
  const gone: number[] = [];
  return {
    append: (batch, now) => appendTo(journal, batch, now),
    unapplied: async () => {
      const legacy = await db.selectFrom('ingest_journal').selectAll().orderBy('id').execute();
      for (const part of chunk(legacy, 100)) {
        await journal
          .insertInto('ingest_journal')
          .values(
            part.map((r) => ({ id: r.id, received_at: r.received_at, count: r.count, alerts: r.alerts })),
          )
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await db
          .deleteFrom('ingest_journal')
          .where(
            'id',
            'in',
            part.map((r) => r.id),
          )
          .execute();
      }
      const rows = await journal.selectFrom('ingest_journal').selectAll().orderBy('id').execute();
      const applied = new Set(
        (await db.selectFrom('ingest_applied').select('id').execute()).map((r) => Number(r.id)),
      );
      const done = rows.filter((r) => applied.has(Number(r.id))).map((r) => Number(r.id));
      // Entries whose apply committed before the crash, and ids whose entry is already gone.
      for (const part of chunk(done, 500))
        await journal.deleteFrom('ingest_journal').where('id', 'in', part).execute();
      for (const part of chunk([...applied], 500))
        await db.deleteFrom('ingest_applied').where('id', 'in', part).execute();
      return rows.filter((r) => !applied.has(Number(r.id))).map(toEntry);
    },
    claim: (trx, ids) => {
      // The records of entries already deleted from the journal go in the same transaction (a
      // statement of this batch rather than one of their own, after each apply). Should it roll
      // back, they stay: harmless, since journal ids are never reused, and recovery drops them.
      const drops = chunk(gone.splice(0), 500).map((part) =>
        trx.deleteFrom('ingest_applied').where('id', 'in', part),
      );
      return plan(
        [
          ...drops,
          ...chunk(ids, 500).map((part) =>
            trx
              .insertInto('ingest_applied')
              .values(part.map((id) => ({ id })))
              .onConflict((oc) => oc.column('id').doNothing())
              .returning('id'),
          ),
        ],
        (results) => idsOf(results.slice(drops.length)),
      );
    },
    forget: async (ids) => {
      for (const part of chunk(ids, 500)) {
        await journal.deleteFrom('ingest_journal').where('id', 'in', part).execute();
        // Only once the entry is gone may its record go (by the next claim): the other way round,
        // a crash in between would leave an applied entry that looks unapplied.
        gone.push(...part);
      }
    },
  };
}
