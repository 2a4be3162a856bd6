import type { CompiledQuery, Selectable } from 'kysely';
import type { NotificationLogEntry } from '../pipeline/group-timer.ts';
import { plan, rowsOf, type Plan } from '../store/batch.ts';
import { chunk, rawQuery, valuesList, type Db } from '../store/db.ts';
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
 * notification log entry): one statement per 200 groups instead of one per group. Written by
 * hand: for a flush of 500 groups, building these statements with the query builder took longer
 * than SQLite took to run them. The log entries are joined from a list of values, not chosen by a
 * CASE on the key, which compared every row with every key (2.6 ms a statement of 200 on SQLite).
 */
export function recordFlushesPlan(
  db: Db,
  flushes: ReadonlyArray<{ key: string; entry: NotificationLogEntry | undefined }>,
  now: number,
): Plan<void> {
  const queries: CompiledQuery[] = [];
  const quiet = flushes.filter((f) => !f.entry).map((f) => f.key);
  for (const part of chunk(quiet, 500))
    queries.push(
      rawQuery(
        db,
        `update alert_groups set last_flush_at = ?, flushes = flushes + 1 where group_key in ${valuesList(1, part.length)}`,
        [now, ...part],
      ),
    );
  const logged = flushes.filter((f): f is { key: string; entry: NotificationLogEntry } => !!f.entry);
  for (const part of chunk(logged, 200)) {
    // Each group its own log entry, joined by key from a list of values (portable to both
    // dialects; the first row's casts give PostgreSQL the columns' types).
    const params: unknown[] = [];
    for (const f of part)
      params.push(f.key, f.entry.at, JSON.stringify(f.entry.firing), JSON.stringify(f.entry.resolved));
    const rows = [
      '(?, cast(? as bigint), cast(? as text), cast(? as text))',
      ...new Array<string>(part.length - 1).fill('(?, ?, ?, ?)'),
    ].join(', ');
    const text =
      `with v (k, at, firing, resolved) as (values ${rows}) ` +
      'update alert_groups set last_flush_at = ?, flushes = flushes + 1, ' +
      'last_notified_at = v.at, last_firing = v.firing, last_resolved = v.resolved ' +
      'from v where alert_groups.group_key = v.k';
    params.push(now);
    queries.push(rawQuery(db, text, params));
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
