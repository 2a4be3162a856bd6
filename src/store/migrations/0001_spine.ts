import { sql, type Kysely } from 'kysely';
import { addId, type Dialect } from './columns.ts';

/** The spine's tables: alerts and their history, incidents and timeline, jobs, tokens, counters. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('alerts')
    .addColumn('fingerprint', 'varchar(16)', (c) => c.primaryKey())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('timeout', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('generator_url', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('incident_id', 'bigint')
    .addColumn('group_key', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alerts_incident').on('alerts').column('incident_id').execute();
  await db.schema.createIndex('alerts_ends_at').on('alerts').column('ends_at').execute();

  await db.schema
    .createTable('alert_events')
    .$call((t) => addId(t, dialect))
    .addColumn('fingerprint', 'varchar(16)', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_events_fp').on('alert_events').columns(['fingerprint', 'id']).execute();

  await db.schema
    .createTable('incidents')
    .$call((t) => addId(t, dialect))
    .addColumn('number', 'integer', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('open_key', 'text', (c) => c.unique())
    .addColumn('triggered_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('manual', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('assignee', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incidents_status')
    .on('incidents')
    .columns(['status', 'triggered_at'])
    .execute();
  await db.schema.createIndex('incidents_triggered').on('incidents').column('triggered_at').execute();

  await db.schema
    .createTable('incident_timeline')
    .$call((t) => addId(t, dialect))
    .addColumn('incident_id', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('timeline_incident')
    .on('incident_timeline')
    .columns(['incident_id', 'id'])
    .execute();

  await db.schema
    .createTable('jobs')
    .$call((t) => addId(t, dialect))
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();

  await db.schema
    .createTable('api_tokens')
    .$call((t) => addId(t, dialect))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('counters')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into counters (name, value) values ('incident_number', 0)`.execute(db);
}
