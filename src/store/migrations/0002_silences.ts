import type { Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * Silences (src/pipeline/silence-store.ts): Alertmanager's fields plus vigil's
 * `expire_on_resolve` and `notify_resolved_on_end`. Times are epoch ms; matchers are JSON text in
 * Alertmanager's API v2 shape, so a silence reads back exactly as it was posted.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('silences')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('expire_on_resolve', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notify_resolved_on_end', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('silences_ends_at').on('silences').column('ends_at').execute();
}
