import type { Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * Routing: one row per aggregation group (its notification log and timer state, the durable
 * replacement for Alertmanager's per-group goroutine and in-memory nflog), and the route's choices
 * recorded on each incident.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('alert_groups')
    .addColumn('group_key', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_flush_at', 'bigint')
    .addColumn('last_notified_at', 'bigint')
    .addColumn('last_firing', 'text')
    .addColumn('last_resolved', 'text')
    .addColumn('flushes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('alerts_group_key').on('alerts').column('group_key').execute();
  await db.schema.alterTable('incidents').addColumn('escalation_policy', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('route_id', 'varchar(200)').execute();
}
