import type { Kysely } from 'kysely';
import { addId, type Dialect } from './columns.ts';

/**
 * The escalation engine's runtime state (src/escalation/engine-store.ts):
 *
 * - `escalations`: one row per escalating incident, the policy chosen when it opened (or set by
 *   the per-incident override) and the optional replacement level delays;
 * - `escalation_events`: append-only events that change the plan (ack, resolve, manual
 *   escalate, empty-level fall-through), the input of `planEscalation`;
 * - `escalation_fired`: one row per step key that fired, written in the transaction that pages,
 *   so a step re-run after a crash never pages twice.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('escalations')
    .addColumn('incident_id', 'bigint', (c) => c.primaryKey())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('after_minutes', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('escalation_events')
    .$call((t) => addId(t, dialect))
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(16)')
    .addColumn('actor', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('escalation_events_incident')
    .on('escalation_events')
    .columns(['incident_id', 'id'])
    .execute();

  await db.schema
    .createTable('escalation_fired')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('round', 'integer', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('empty', 'integer', (c) => c.notNull())
    .addColumn('users', 'text', (c) => c.notNull())
    .addColumn('channels', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('escalation_fired_incident')
    .on('escalation_fired')
    .columns(['incident_id', 'at'])
    .execute();
}
