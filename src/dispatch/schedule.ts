import type { StoredAlert } from '../alerts/alert-store.ts';
import { scheduleJobsPlan, type NewJob } from '../engine/jobs.ts';
import { nextFlushAt } from '../pipeline/group-timer.ts';
import type { RouteNode } from '../pipeline/routing.ts';
import type { Plan } from '../store/batch.ts';
import type { Db } from '../store/db.ts';
import { createGroupsPlan, type GroupTimer } from './group-store.ts';

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

/** The groups these alerts are in (alerts outside any group are left out), with their members. */
export function membersByGroup(alerts: readonly StoredAlert[]): Map<string, StoredAlert[]> {
  const byGroup = new Map<string, StoredAlert[]>();
  for (const a of alerts) {
    if (!a.groupKey) continue;
    const list = byGroup.get(a.groupKey);
    if (list) list.push(a);
    else byGroup.set(a.groupKey, [a]);
  }
  return byGroup;
}

/**
 * Makes sure every group that received alerts in this batch exists and has its timer armed, in the
 * ingest transaction: the writes, given the groups' timers as read earlier in the same transaction
 * (`loadGroupTimersPlan` over the keys of `membersByGroup`), so that the ingest path reads them
 * with its other reads and writes everything in one batch. A new group's first flush is due after
 * group_wait, or at once when the alert that creates it is already older than group_wait
 * (Alertmanager's rule); an existing group keeps its pending tick, or wakes at the next tick of its
 * grid if it was asleep. `created` counts the new groups, each with its first flush (a page) due,
 * the last of those flushes at `firstDueAt`.
 */
export function armGroupTimersPlans(
  db: Db,
  byGroup: ReadonlyMap<string, readonly StoredAlert[]>,
  timers: ReadonlyMap<string, GroupTimer>,
  routeIdOf: (groupKey: string) => string,
  tree: RouteNode,
  now: number,
): { writes: Array<Plan<void>>; created: number; firstDueAt: number } {
  const create: Array<{ groupKey: string; routeId: string }> = [];
  const jobs: NewJob[] = [];
  let firstDueAt = -Infinity;
  for (const [key, members] of byGroup) {
    // Only a firing alert creates a group; a resolved one only updates a group that still exists.
    let g = timers.get(key);
    const isNew = !g && members.some((a) => a.endsAt > now);
    if (isNew) {
      g = { groupKey: key, routeId: routeIdOf(key), createdAt: now, lastFlushAt: undefined };
      create.push({ groupKey: key, routeId: g.routeId });
    }
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
    // A new group's first flush is marked: it is a page, and intake waits for it (ADR 0015).
    const payload = isNew ? { groupKey: key, first: true } : { groupKey: key };
    if (isNew) firstDueAt = Math.max(firstDueAt, due);
    jobs.push({ kind: GROUP_FLUSH_JOB, key: flushJobKey(key), runAt: due, payload });
  }
  // Earlier only: a pending tick is kept, and a group asleep until a far wake-up (idleWakeAt) is
  // brought forward to its next tick; so is one still in group_wait when an alert older than
  // group_wait arrives (Alertmanager flushes such a group at once).
  return {
    writes: [createGroupsPlan(db, create, now), scheduleJobsPlan(db, jobs, now, 'earlier')],
    created: create.length,
    firstDueAt,
  };
}
