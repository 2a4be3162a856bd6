import type { Kysely } from 'kysely';
import { addId, type Dialect } from './columns.ts';

/**
 * The ingest journal (src/ingest/journal-store.ts): accepted alert batches, committed before the
 * reply and applied to alerts and incidents in large transactions shortly after. A row lives
 * only until it is applied (its delete commits with the changes it caused).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('ingest_journal')
    .$call((t) => addId(t, dialect))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('alerts', 'text', (c) => c.notNull())
    .execute();
}
