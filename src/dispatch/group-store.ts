import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { NotificationLogEntry } from '../pipeline/group-timer.ts';
import { plan, rowsOf, type Plan } from '../store/batch.ts';
import { chunk, type Db } from '../store/db.ts';
import type { AlertGroupsTable } from '../store/schema.ts';

/** One aggregation group's durable state: timer position and notification log. */
export interface GroupRow {
  groupKey: string;
  routeId: string;
  createdAt: number;
  lastFlushAt: number | undefined;
  lastNotification: NotificationLogEntry | undefined;
  flushes: number;
}

function toRow(r: Selectable<AlertGroupsTable>): GroupRow {
  return {
    groupKey: r.group_key,
    routeId: r.route_id,
    createdAt: r.created_at,
    lastFlushAt: r.last_flush_at ?? undefined,
    lastNotification:
      r.last_notified_at === null
        ? undefined
        : {
            at: r.last_notified_at,
            firing: JSON.parse(r.last_firing ?? '[]') as string[],
            resolved: JSON.parse(r.last_resolved ?? '[]') as string[],
          },
    flushes: r.flushes,
  };
}

/** Loads groups by key: a read to run in a batch with others (`../store/batch.ts`). */
export function loadGroupsPlan(db: Db, keys: readonly string[]): Plan<Map<string, GroupRow>> {
  return plan(
    chunk(keys, 500).map((part) => db.selectFrom('alert_groups').selectAll().where('group_key', 'in', part)),
    (results) => {
      const out = new Map<string, GroupRow>();
      for (const r of results)
        for (const row of rowsOf<Selectable<AlertGroupsTable>>(r)) out.set(row.group_key, toRow(row));
      return out;
    },
  );
}

/** Where a group's timer stands: what ingest needs to arm it. */
export type GroupTimer = Pick<GroupRow, 'groupKey' | 'routeId' | 'createdAt' | 'lastFlushAt'>;

/**
 * Loads only the timer columns of groups by key: ingest touches hundreds of groups per batch and
 * has no use for their notification logs (which list every notified fingerprint).
 */
export function loadGroupTimersPlan(db: Db, keys: readonly string[]): Plan<Map<string, GroupTimer>> {
  return plan(
    chunk(keys, 500).map((part) =>
      db
        .selectFrom('alert_groups')
        .select(['group_key', 'route_id', 'created_at', 'last_flush_at'])
        .where('group_key', 'in', part),
    ),
    (results) => {
      const out = new Map<string, GroupTimer>();
      for (const r of results)
        for (const row of rowsOf<
          Pick<Selectable<AlertGroupsTable>, 'group_key' | 'route_id' | 'created_at' | 'last_flush_at'>
        >(r))
          out.set(row.group_key, {
            groupKey: row.group_key,
            routeId: row.route_id,
            createdAt: row.created_at,
            lastFlushAt: row.last_flush_at ?? undefined,
          });
      return out;
    },
  );
}

/** Creates groups that do not exist yet (an existing one is left as it is). */
export function createGroupsPlan(
  db: Db,
  groups: ReadonlyArray<{ groupKey: string; routeId: string }>,
  now: number,
): Plan<void> {
  return plan(
    chunk(groups, 500).map((part) =>
      db
        .insertInto('alert_groups')
        .values(
          part.map((g) => ({ group_key: g.groupKey, route_id: g.routeId, created_at: now, flushes: 0 })),
        )
        .onConflict((oc) => oc.column('group_key').doNothing()),
    ),
    () => undefined,
  );
}

/**
 * Records the flushes of many groups at one instant (and, for those that notified, the
 * notification log entry): one statement per 200 groups instead of one per group.
 */
export function recordFlushesPlan(
  db: Db,
  flushes: ReadonlyArray<{ key: string; entry: NotificationLogEntry | undefined }>,
  now: number,
): Plan<void> {
  const queries = [];
  const quiet = flushes.filter((f) => !f.entry).map((f) => f.key);
  for (const part of chunk(quiet, 500)) {
    queries.push(
      db
        .updateTable('alert_groups')
        .set((eb) => ({ last_flush_at: now, flushes: eb('flushes', '+', 1) }))
        .where('group_key', 'in', part),
    );
  }
  const logged = flushes.filter((f): f is { key: string; entry: NotificationLogEntry } => !!f.entry);
  for (const part of chunk(logged, 200)) {
    // Each group its own log entry, by CASE on the key (portable to both dialects).
    const byKey = (value: (e: NotificationLogEntry) => string | number, cast: string): RawBuilder<unknown> =>
      sql`case group_key ${sql.join(
        part.map((f) => sql`when ${f.key} then cast(${value(f.entry)} as ${sql.raw(cast)})`),
        sql` `,
      )} end`;
    queries.push(
      db
        .updateTable('alert_groups')
        .set((eb) => ({
          last_flush_at: now,
          flushes: eb('flushes', '+', 1),
          last_notified_at: byKey((e) => e.at, 'bigint') as RawBuilder<number>,
          last_firing: byKey((e) => JSON.stringify(e.firing), 'text') as RawBuilder<string>,
          last_resolved: byKey((e) => JSON.stringify(e.resolved), 'text') as RawBuilder<string>,
        }))
        .where(
          'group_key',
          'in',
          part.map((f) => f.key),
        ),
    );
  }
  return plan(queries, () => undefined);
}

/** Deletes empty groups (the next alert of each starts a new one, with a new group_wait). */
export function deleteGroupsPlan(db: Db, keys: readonly string[]): Plan<void> {
  return plan(
    chunk(keys, 500).map((part) => db.deleteFrom('alert_groups').where('group_key', 'in', part)),
    () => undefined,
  );
}
