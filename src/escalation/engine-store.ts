import { PostgresAdapter, type Generated } from 'kysely';
import { chunk, type Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import type { EscalationEvent } from './plan.ts';

/**
 * Persistence of the escalation engine (migration 0005): the policy each incident escalates
 * with, the events that shape its plan, and the step keys that fired. Every function takes the
 * caller's `Db` (usually a transaction) so state changes commit with the pages they cause.
 */

/** `escalations`: one row per escalating incident. */
export interface EscalationsTable {
  incident_id: number;
  policy_id: string;
  /** JSON array of replacement `after_minutes` per level, or null. */
  after_minutes: string | null;
  created_at: number;
  updated_at: number;
}

/** `escalation_events`: the append-only input of `planEscalation`. */
export interface EscalationEventsTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  type: EscalationEvent['type'];
  reason: string | null;
  actor: string;
}

/** `escalation_fired`: one row per fired step key (the never-twice guard). */
export interface EscalationFiredTable {
  key: string;
  incident_id: number;
  at: number;
  due_at: number;
  epoch: number;
  round: number;
  level: number;
  empty: number;
  users: string;
  channels: string;
}

/** The engine's tables, used through `db.withTables<EscalationTables>()`. */
// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible type.
export type EscalationTables = {
  escalations: EscalationsTable;
  escalation_events: EscalationEventsTable;
  escalation_fired: EscalationFiredTable;
};

function escDb(db: Db) {
  return db.withTables<EscalationTables>();
}

/** The stored escalation of one incident. */
export interface EscalationState {
  incidentId: number;
  policyId: string;
  afterMinutes?: number[];
  events: EscalationEvent[];
}

/** A step that fired, as recorded. */
export interface FiredStep {
  key: string;
  at: number;
  dueAt: number;
  epoch: number;
  round: number;
  level: number;
  empty: boolean;
  users: string[];
  channels: string[];
}

/** Starts the escalation of an incident with `policyId` (no-op if it already has one). */
export async function createEscalation(
  db: Db,
  incidentId: number,
  policyId: string,
  now: number,
): Promise<boolean> {
  return (await createEscalations(db, [{ incidentId, policyId }], now)).has(incidentId);
}

/**
 * Starts the escalations of several incidents (one insert per 500); those that already have one
 * keep it. Returns the incidents whose escalation this started.
 */
export async function createEscalations(
  db: Db,
  starts: ReadonlyArray<{ incidentId: number; policyId: string }>,
  now: number,
): Promise<Set<number>> {
  const created = new Set<number>();
  for (const part of chunk(starts, 500))
    for (const r of await escDb(db)
      .insertInto('escalations')
      .values(
        part.map(({ incidentId, policyId }) => ({
          incident_id: incidentId,
          policy_id: policyId,
          after_minutes: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.column('incident_id').doNothing())
      .returning('incident_id')
      .execute())
      created.add(r.incident_id);
  return created;
}

/** Sets the per-incident override: another policy and/or replacement level delays. */
export async function setEscalationOverride(
  db: Db,
  incidentId: number,
  policyId: string,
  afterMinutes: readonly number[] | undefined,
  now: number,
): Promise<void> {
  const after = afterMinutes ? JSON.stringify(afterMinutes) : null;
  await escDb(db)
    .insertInto('escalations')
    .values({
      incident_id: incidentId,
      policy_id: policyId,
      after_minutes: after,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.column('incident_id').doUpdateSet({ policy_id: policyId, after_minutes: after, updated_at: now }),
    )
    .execute();
}

/** Appends an event that changes the plan. */
export async function addEscalationEvent(
  db: Db,
  incidentId: number,
  event: EscalationEvent,
  actor: string,
): Promise<void> {
  await addEscalationEvents(db, [{ incidentId, event, actor }]);
}

/** Records one event on each of several escalations (one insert per 500). */
export async function addEscalationEvents(
  db: Db,
  events: ReadonlyArray<{ incidentId: number; event: EscalationEvent; actor: string }>,
): Promise<void> {
  for (const part of chunk(events, 500))
    await escDb(db)
      .insertInto('escalation_events')
      .values(
        part.map(({ incidentId, event, actor }) => ({
          incident_id: incidentId,
          at: event.at,
          type: event.type,
          reason: event.type === 'escalate' ? (event.reason ?? 'manual') : null,
          actor,
        })),
      )
      .execute();
}

/** Which of these incidents have an escalation (one query per 500). */
export async function escalatedIncidents(db: Db, incidentIds: readonly number[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (const part of chunk(incidentIds, 500))
    for (const r of await escDb(db)
      .selectFrom('escalations')
      .select('incident_id')
      .where('incident_id', 'in', part)
      .execute())
      out.add(r.incident_id);
  return out;
}

/** Loads the escalation of an incident, or undefined when it has none. */
export async function loadEscalation(db: Db, incidentId: number): Promise<EscalationState | undefined> {
  const row = await escDb(db)
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  if (!row) return undefined;
  const rows = await escDb(db)
    .selectFrom('escalation_events')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
  const events = rows.map((r): EscalationEvent => {
    const at = Number(r.at);
    switch (r.type) {
      case 'ack':
        return { type: 'ack', at, by: r.actor };
      case 'escalate':
        return { type: 'escalate', at, reason: r.reason === 'empty-level' ? 'empty-level' : 'manual' };
      case 'unack':
        return { type: 'unack', at };
      default:
        return { type: 'resolve', at };
    }
  });
  const after = row.after_minutes === null ? undefined : (JSON.parse(row.after_minutes) as number[]);
  return { incidentId, policyId: row.policy_id, ...(after ? { afterMinutes: after } : {}), events };
}

/** Records that a step fired; false when it had already fired (the caller must then do nothing). */
export async function markFired(db: Db, incidentId: number, step: FiredStep): Promise<boolean> {
  const res = await escDb(db)
    .insertInto('escalation_fired')
    .values({
      key: step.key,
      incident_id: incidentId,
      at: step.at,
      due_at: step.dueAt,
      epoch: step.epoch,
      round: step.round,
      level: step.level,
      empty: step.empty ? 1 : 0,
      users: JSON.stringify(step.users),
      channels: JSON.stringify(step.channels),
    })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Every step of an incident that fired, in firing order. */
export async function listFired(db: Db, incidentId: number): Promise<FiredStep[]> {
  const rows = await escDb(db)
    .selectFrom('escalation_fired')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .orderBy('epoch')
    .orderBy('round')
    .orderBy('level')
    .execute();
  return rows.map((r) => ({
    key: r.key,
    at: Number(r.at),
    dueAt: Number(r.due_at),
    epoch: r.epoch,
    round: r.round,
    level: r.level,
    empty: r.empty === 1,
    users: JSON.parse(r.users) as string[],
    channels: JSON.parse(r.channels) as string[],
  }));
}

/**
 * Takes the incident's row lock for the rest of the transaction (a no-op update: a row lock on
 * PostgreSQL, the write lock on SQLite), so concurrent steps and lifecycle changes of one
 * incident are serialised.
 */
export async function lockIncident(db: Db, incidentId: number): Promise<void> {
  await db
    .updateTable('incidents')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', incidentId)
    .execute();
}

/**
 * A `Store` view of a transaction, for the notification functions that take a store (they only
 * use `store.db`). The dialect is read from the Kysely adapter.
 */
export function storeOf(db: Db): Store {
  const dialect = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  return { db, dialect, location: 'transaction', close: () => Promise.resolve() };
}
