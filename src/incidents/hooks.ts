import type { Db } from '../store/db.ts';
import type { Incident } from './incident.ts';

/**
 * Reactions to incident lifecycle changes, run inside the transaction that made the change, so
 * what they schedule (escalation steps, notifications) commits atomically with it. Hooks must
 * only write to the store (jobs, outbox rows); sending happens later, in the worker.
 */
export interface IncidentHooks {
  opened?(db: Db, incident: Incident, now: number): Promise<void>;
  acknowledged?(db: Db, incident: Incident, now: number): Promise<void>;
  resolved?(db: Db, incident: Incident, now: number): Promise<void>;
}

/** The lifecycle events hooks can react to. */
export type IncidentEvent = keyof IncidentHooks;

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
