import type { Db } from '../store/db.ts';
import type { Incident } from './incident.ts';

/**
 * Reactions to incident lifecycle changes, run inside the transaction that made the change, so
 * what they schedule (escalation steps, notifications) commits atomically with it. Hooks must
 * only write to the store (jobs, outbox rows); sending happens later, in the worker.
 */
export interface IncidentHooks {
  opened?(db: Db, incident: Incident, now: number): Promise<void>;
  /**
   * `opened` for many incidents opened in one transaction (the new groups of a storm): a hook
   * that writes per incident should do it in a few statements for all of them. Without it,
   * `opened` runs for each.
   */
  openedMany?(db: Db, incidents: readonly Incident[], now: number): Promise<void>;
  acknowledged?(db: Db, incident: Incident, now: number): Promise<void>;
  resolved?(db: Db, incident: Incident, now: number): Promise<void>;
  /**
   * `resolved` for many incidents resolved in one transaction (a storm clearing): a hook that
   * writes per incident should do it in a few statements for all of them. Without it, `resolved`
   * runs for each.
   */
  resolvedMany?(db: Db, incidents: readonly Incident[], now: number): Promise<void>;
}

/** The lifecycle events hooks can react to, one incident at a time. */
export type IncidentEvent = 'opened' | 'acknowledged' | 'resolved';

/** Runs every hook registered for `event`, in order. */
export async function runHooks(
  hooks: readonly IncidentHooks[],
  event: IncidentEvent,
  db: Db,
  incident: Incident,
  now: number,
): Promise<void> {
  for (const h of hooks) await h[event]?.(db, incident, now);
}

/**
 * Runs every hook's reaction to many incidents opened or resolved together: its batch form
 * (`openedMany`, `resolvedMany`), or else the one-incident form for each.
 */
export async function runHooksForMany(
  hooks: readonly IncidentHooks[],
  event: 'opened' | 'resolved',
  db: Db,
  incidents: readonly Incident[],
  now: number,
): Promise<void> {
  if (incidents.length === 0) return;
  for (const h of hooks) {
    const many = event === 'opened' ? h.openedMany : h.resolvedMany;
    const one = h[event];
    if (many) await many.call(h, db, incidents, now);
    else if (one) for (const incident of incidents) await one.call(h, db, incident, now);
  }
}
