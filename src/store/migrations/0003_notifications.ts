import type { Kysely } from 'kysely';
import { addId, type Dialect } from './columns.ts';

/**
 * The notification outbox (src/notify/outbox*.ts): one row per notification (unique idempotency
 * key), one row per delivery attempt, per-destination pacing, and per-incident thread references
 * (Slack ts) so follow-ups thread and resolves update the first message.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('notify_outbox')
    .$call((t) => addId(t, dialect))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('incident', 'text', (c) => c.notNull())
    .addColumn('event', 'varchar(32)', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('channel_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('fallback', 'text')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_status', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notify_outbox_dest')
    .on('notify_outbox')
    .columns(['destination', 'status', 'scheduled_at', 'id'])
    .execute();
  await db.schema
    .createIndex('notify_outbox_due')
    .on('notify_outbox')
    .columns(['status', 'scheduled_at'])
    .execute();
  await db.schema
    .createIndex('notify_outbox_incident')
    .on('notify_outbox')
    .columns(['incident', 'id'])
    .execute();

  await db.schema
    .createTable('notify_attempts')
    .$call((t) => addId(t, dialect))
    .addColumn('notification_id', 'bigint', (c) => c.notNull())
    .addColumn('incident', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('error', 'text')
    .addColumn('owner', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notify_attempts_incident')
    .on('notify_attempts')
    .columns(['incident', 'id'])
    .execute();

  await db.schema
    .createTable('notify_destinations')
    .addColumn('destination', 'text', (c) => c.primaryKey())
    .addColumn('next_allowed_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('notify_refs')
    .addColumn('incident', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notify_refs_pk', ['incident', 'channel_id', 'target'])
    .execute();
}
