import type { Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * Which ingest journal entries have been applied, for a journal kept outside this database (the
 * SQLite store keeps it in its own file, src/ingest/journal-store.ts). A row is written by the
 * transaction that applies the entry, so "applied" and the changes it caused commit together; it
 * is removed once the entry is gone from the journal.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('ingest_applied')
    .addColumn('id', 'bigint', (c) => c.primaryKey())
    .execute();
}
