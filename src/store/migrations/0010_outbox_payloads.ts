import { sql, type Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * Notification payloads move out of `notify_outbox` into `notify_payloads` (one row per outbox row,
 * same id), and the outbox keeps only their size. A group notification carries its whole group,
 * often tens of kilobytes, and every status change of its outbox row (claimed, delivered, retried)
 * rewrote the whole row, payload included: three writes of the same bytes per message, most of what
 * the outbox wrote to the WAL under a storm. Now the payload is written once.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('notify_payloads')
    // On SQLite an INTEGER PRIMARY KEY is the rowid itself: one B-tree, no separate index.
    .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.primaryKey())
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .alterTable('notify_outbox')
    .addColumn('payload_size', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`insert into notify_payloads (id, payload) select id, payload from notify_outbox`.execute(db);
  await sql`update notify_outbox set payload_size = length(payload)`.execute(db);
  await db.schema.alterTable('notify_outbox').dropColumn('payload').execute();
}
