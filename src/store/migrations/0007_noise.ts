import type { Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * Noise pipeline state (src/pipeline/noise-store.ts): one row per alert fingerprint that an
 * aggregation rule or flap detection acted on — suppressed, delayed, held for a single incident,
 * aggregated, released, transient, or flapping — with the rule, the aggregation key, the episode
 * (the alert's startsAt) the state belongs to, when it is re-checked, and the flap count. Alerts the
 * noise stages leave alone have no row.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('alert_noise')
    .addColumn('fingerprint', 'varchar(16)', (c) => c.primaryKey())
    .addColumn('state', 'varchar(20)', (c) => c.notNull())
    .addColumn('rule', 'text')
    .addColumn('agg_key', 'text')
    .addColumn('episode', 'bigint', (c) => c.notNull())
    .addColumn('until', 'bigint')
    .addColumn('flap_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alert_noise_agg_key')
    .on('alert_noise')
    .columns(['agg_key', 'state'])
    .execute();
}
