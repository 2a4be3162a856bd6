import { sql, type Kysely } from 'kysely';
import type { Dialect } from './columns.ts';

/**
 * An index on the jobs' keys in byte order, on PostgreSQL, for lookups by key prefix (an
 * incident's escalation steps when it is acknowledged, escalated or overridden; a schedule's
 * hand-offs). The key's unique index sorts in the database's collation, in which "starts with" is
 * not a range, so those lookups read every job ever scheduled. SQLite compares text byte by byte
 * already, and its unique index on the key serves the same range.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`create index jobs_key_bytes on jobs (key collate "C")`.execute(db);
}
