import type { StoredAlert } from '../alerts/alert-store.ts';
import { scheduleJobs, type NewJob } from '../engine/jobs.ts';
import { nextFlushAt } from '../pipeline/group-timer.ts';
import type { RouteNode } from '../pipeline/routing.ts';
import type { Db } from '../store/db.ts';
import { createGroups, loadGroupTimers } from './group-store.ts';

/** The job kind that runs one aggregation group's flush. */
export const GROUP_FLUSH_JOB = 'group.flush';

/** The job key of a group's timer: one pending row per group. */
export function flushJobKey(groupKey: string): string {
  return `group:${groupKey}`;
}

/** Finds a route node by its id (`0`, `0.1`, `0.1.3`). */
export function routeById(tree: RouteNode, id: string): RouteNode | undefined {
  if (tree.id === id) return tree;
  for (const child of tree.routes) {
    const hit = id === child.id || id.startsWith(`${child.id}.`) ? routeById(child, id) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Makes sure every group that received alerts in this batch exists and has its timer armed, in the
 * ingest transaction. A new group's first flush is due after group_wait, or at once when the alert
 * that creates it is already older than group_wait (Alertmanager's rule); an existing group keeps
 * its pending tick, or wakes at the next tick of its grid if it was asleep.
 */
export async function armGroupTimers(
  db: Db,
  alerts: readonly StoredAlert[],
  routeIdOf: (groupKey: string) => string,
  tree: RouteNode,
  now: number,
): Promise<void> {
  const byGroup = new Map<string, StoredAlert[]>();
  for (const a of alerts) {
    if (!a.groupKey) continue;
    const list = byGroup.get(a.groupKey) ?? [];
    list.push(a);
    byGroup.set(a.groupKey, list);
  }
  if (byGroup.size === 0) return;
  const keys = [...byGroup.keys()];
  // Only a firing alert creates a group; a resolved one only updates a group that still exists.
  const creating = keys.filter((k) => byGroup.get(k)?.some((a) => a.endsAt > now));
  await createGroups(
    db,
    creating.map((k) => ({ groupKey: k, routeId: routeIdOf(k) })),
    now,
  );
  const groups = await loadGroupTimers(db, keys);
  const jobs: NewJob[] = [];
  for (const [key, members] of byGroup) {
    const g = groups.get(key);
    if (!g) continue;
    const node = routeById(tree, g.routeId) ?? tree;
    const due = nextFlushAt(
      {
        createdAt: g.createdAt,
        lastFlushAt: g.lastFlushAt,
        alerts: members.map((a) => ({
          fingerprint: a.fingerprint,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          receivedAt: now,
        })),
      },
      {
        groupWaitMs: node.groupWaitMs,
        groupIntervalMs: node.groupIntervalMs,
        repeatIntervalMs: node.repeatIntervalMs,
        sendResolved: true,
      },
      now,
    );
    jobs.push({ kind: GROUP_FLUSH_JOB, key: flushJobKey(key), runAt: due, payload: { groupKey: key } });
  }
  // Earlier only: a pending tick is kept, and a group asleep until a far wake-up (idleWakeAt) is
  // brought forward to its next tick; so is one still in group_wait when an alert older than
  // group_wait arrives (Alertmanager flushes such a group at once).
  await scheduleJobs(db, jobs, now, 'earlier');
}
