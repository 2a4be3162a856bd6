import { sql } from 'kysely';
import type { Alert } from '../alerts/alert.ts';
import { loadAlertsPlan } from '../alerts/alert-store.ts';
import { activeSilencesPlan } from '../pipeline/silence-store.ts';
import { runPlans } from '../store/batch.ts';
import type { Db } from '../store/db.ts';
import type { Dialect } from '../store/store.ts';
import { ingestAlerts, type IngestOptions, type IngestOutcome } from './ingest.ts';
import type { IngestJournal, JournalEntry } from './journal-store.ts';

/** Serialises appliers across processes sharing one PostgreSQL database. */
export const APPLY_LOCK = 7_411_001;

/**
 * Applies journal entries in the caller's transaction: takes the appliers' lock (PostgreSQL),
 * claims the entries (only those not applied before are applied, so none is applied twice) and
 * ingests their alerts. The claim goes with the apply's first reads, in one round trip to the
 * store: the alerts of every entry, since an entry found applied before is rare and reading its
 * alerts' rows for nothing costs less than a round trip of its own.
 */
export async function applyEntries(
  trx: Db,
  dialect: Dialect,
  journal: IngestJournal,
  entries: readonly JournalEntry[],
  parsed: ReadonlyMap<number, readonly Alert[]>,
  now: number,
  opts: IngestOptions,
): Promise<IngestOutcome> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${APPLY_LOCK})`.execute(trx);
  // Loops rather than `flatMap`, which costs microseconds an element over an apply's thousands.
  const fingerprints: string[] = [];
  for (const list of parsed.values()) for (const a of list) fingerprints.push(a.fingerprint);
  const [mine, existing, silences] = await runPlans(
    trx,
    journal.claim(
      trx,
      entries.map((e) => e.id),
    ),
    loadAlertsPlan(trx, fingerprints),
    activeSilencesPlan(trx, now),
  );
  const alerts: Alert[] = [];
  for (const e of entries) if (mine.has(e.id)) for (const a of parsed.get(e.id) ?? []) alerts.push(a);
  return ingestAlerts(trx, alerts, now, opts, { existing, silences });
}
