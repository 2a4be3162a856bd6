import type { Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * On-call at run time (src/oncall/override-store.ts, src/oncall/feed-secret.ts): overrides created
 * through the API and CLI (one row each; `kind` is replace, take_over, add or remove as in
 * `Override`), and a small key/value table for on-call settings such as the generated iCal feed
 * secret. Times are epoch ms.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('oncall_overrides')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('replaces', 'text')
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('oncall_overrides_schedule')
    .on('oncall_overrides')
    .columns(['schedule_id', 'end_at'])
    .execute();

  await db.schema
    .createTable('oncall_settings')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}
