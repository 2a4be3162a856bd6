import { chunk, type Db } from '../store/db.ts';
import { VigilError } from '../shared/errors.ts';
import { runHooks, runHooksForMany, type IncidentHooks } from './hooks.ts';
import type { Incident } from './incident.ts';
import {
  appendTimeline,
  appendTimelineBatch,
  createIncident,
  getIncidentByNumber,
  rowToIncident,
} from './incident-store.ts';
import type { Severity } from './severity.ts';

/**
 * Acknowledges a triggered incident: someone is on it, so escalation stops. Acknowledging an
 * acknowledged incident is a no-op that returns it unchanged (idempotent for retries and
 * double-clicks); acknowledging a resolved one is a conflict.
 */
export async function acknowledgeIncident(
  db: Db,
  number: number,
  actor: string,
  now: number,
  hooks: readonly IncidentHooks[] = [],
): Promise<Incident> {
  const inc = await getIncidentByNumber(db, number);
  if (inc.status === 'acknowledged') return inc;
  if (inc.status === 'resolved') throw new VigilError('conflict', `${inc.key} is already resolved`);
  const row = await db
    .updateTable('incidents')
    .set({ status: 'acknowledged', acknowledged_at: now, acknowledged_by: actor, updated_at: now })
    .where('id', '=', inc.id)
    .where('status', '=', 'triggered')
    .returningAll()
    .executeTakeFirst();
  if (!row) return getIncidentByNumber(db, number);
  await appendTimeline(db, inc.id, now, 'incident.acknowledged', actor, {});
  const acked = rowToIncident(row);
  await runHooks(hooks, 'acknowledged', db, acked, now);
  return acked;
}

/**
 * Resolves an incident and frees its group, so the group's next firing alert opens a new
 * incident. Resolving a resolved incident returns it unchanged.
 */
export async function resolveIncident(
  db: Db,
  number: number,
  actor: string,
  now: number,
  reason = 'manual',
  hooks: readonly IncidentHooks[] = [],
): Promise<Incident> {
  const inc = await getIncidentByNumber(db, number);
  if (inc.status === 'resolved') return inc;
  const [resolved] = await resolveIncidents(db, [inc.id], actor, now, reason, hooks);
  return resolved ?? getIncidentByNumber(db, number);
}

/**
 * Resolves many incidents in one transaction (auto-resolve when a storm clears): one update, one
 * timeline insert and each hook's batch reaction per 500 incidents, where resolving them one by
 * one took about seven statements each. Those already resolved are skipped. Returns the incidents
 * it resolved, by id.
 */
export async function resolveIncidents(
  db: Db,
  ids: readonly number[],
  actor: string,
  now: number,
  reason: string,
  hooks: readonly IncidentHooks[] = [],
): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .updateTable('incidents')
      .set({ status: 'resolved', resolved_at: now, resolved_by: actor, open_key: null, updated_at: now })
      .where('id', 'in', part)
      .where('status', '!=', 'resolved')
      .returningAll()
      .execute();
    const resolved = rows.map(rowToIncident).sort((a, b) => a.id - b.id);
    await appendTimelineBatch(
      db,
      resolved.map((i) => ({
        incidentId: i.id,
        at: now,
        type: 'incident.resolved',
        actor,
        data: { reason },
      })),
    );
    await runHooksForMany(hooks, 'resolved', db, resolved, now);
    out.push(...resolved);
  }
  return out;
}

/** Adds a note to the timeline. */
export async function addNote(
  db: Db,
  number: number,
  actor: string,
  text: string,
  now: number,
): Promise<Incident> {
  const inc = await getIncidentByNumber(db, number);
  await appendTimeline(db, inc.id, now, 'note.added', actor, { text });
  await db.updateTable('incidents').set({ updated_at: now }).where('id', '=', inc.id).execute();
  return { ...inc, updatedAt: now };
}

/** Opens an incident by hand (no alert behind it). */
export async function declareIncident(
  db: Db,
  input: { title: string; severity: Severity; service: string; actor: string },
  now: number,
  hooks: readonly IncidentHooks[] = [],
): Promise<Incident> {
  const inc = await createIncident(
    db,
    { ...input, groupKey: `manual:${now}:${input.title}`, manual: true },
    now,
  );
  await runHooks(hooks, 'opened', db, inc, now);
  return inc;
}
