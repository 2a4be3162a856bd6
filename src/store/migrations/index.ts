import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './columns.ts';
import * as spine from './0001_spine.ts';

/** A migration step; it is told the dialect so it can spell types the way each database wants. */
interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/**
 * Every migration, in order. Names sort lexically; to add one, write `NNNN_name.ts` exporting
 * `up(db, dialect)` and list it here. A shipped migration never changes.
 */
const ordered: Record<string, DialectMigration> = {
  '0001_spine': spine,
  '0002_silences': { up: async (db, d) => (await import('./0002_silences.ts')).up(db, d) },
  '0003_notifications': { up: async (db, d) => (await import('./0003_notifications.ts')).up(db, d) },
  '0004_oncall': { up: async (db, d) => (await import('./0004_oncall.ts')).up(db, d) },
  '0005_escalation': { up: async (db, d) => (await import('./0005_escalation.ts')).up(db, d) },
  '0006_routing': { up: async (db, d) => (await import('./0006_routing.ts')).up(db, d) },
  '0007_noise': { up: async (db, d) => (await import('./0007_noise.ts')).up(db, d) },
  '0008_ingest_journal': { up: async (db, d) => (await import('./0008_ingest_journal.ts')).up(db, d) },
  '0009_ingest_applied': { up: async (db, d) => (await import('./0009_ingest_applied.ts')).up(db, d) },
  '0010_outbox_payloads': { up: async (db, d) => (await import('./0010_outbox_payloads.ts')).up(db, d) },
  '0011_jobs_key_bytes': { up: async (db, d) => (await import('./0011_jobs_key_bytes.ts')).up(db, d) },
};

/** The migrations bound to one dialect, in the shape Kysely's Migrator takes. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(ordered).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, dialect) }]),
  );
}
