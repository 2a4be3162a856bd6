import type { Selectable } from 'kysely';
import { plan, rowsOf, runPlan, type Plan } from '../store/batch.ts';
import { chunk, type Db } from '../store/db.ts';
import type { IncidentsTable } from '../store/schema.ts';
import { VigilError } from '../shared/errors.ts';
import {
  incidentKey,
  type Incident,
  type IncidentStatus,
  type TimelineEvent,
  type TimelineType,
} from './incident.ts';
import { isSeverity, type Severity } from './severity.ts';

/** Converts an incidents row to an Incident. */
export function rowToIncident(r: Selectable<IncidentsTable>): Incident {
  return {
    id: r.id,
    key: incidentKey(r.number),
    number: r.number,
    title: r.title,
    severity: isSeverity(r.severity) ? r.severity : 'high',
    status: r.status as IncidentStatus,
    service: r.service,
    groupKey: r.group_key,
    triggeredAt: r.triggered_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    manual: r.manual === 1,
    assignee: r.assignee,
    updatedAt: r.updated_at,
    escalationPolicy: r.escalation_policy ?? null,
    routeId: r.route_id ?? null,
  };
}

/** What a new incident starts with. */
export interface NewIncident {
  title: string;
  severity: Severity;
  service: string;
  groupKey: string;
  manual: boolean;
  actor: string;
  routeId?: string | undefined;
  escalationPolicy?: string | undefined;
}

/**
 * Creates an incident with the next human number and its first timeline event. Alert-driven
 * incidents hold the group's open key, so a group has at most one open incident at a time.
 */
export async function createIncident(db: Db, n: NewIncident, now: number): Promise<Incident> {
  const [incident] = await createIncidents(db, [n], now);
  if (!incident) throw new VigilError('store_failed', 'the new incident was not returned');
  return incident;
}

/**
 * Creates several incidents at once, numbered in the order given, each with its first timeline
 * event: three statements for any number of them (plus one per 200 more), because an alert storm
 * opens hundreds of groups in one batch and a chain of statements per incident delayed every
 * group's first notification.
 */
export async function createIncidents(
  db: Db,
  list: readonly NewIncident[],
  now: number,
): Promise<Incident[]> {
  if (list.length === 0) return [];
  const counter = await db
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', list.length) }))
    .where('name', '=', 'incident_number')
    .returning('value')
    .executeTakeFirstOrThrow();
  const firstNumber = Number(counter.value) - list.length + 1;
  const byNumber = new Map<number, Incident>();
  const numbered = list.map((n, i) => ({ n, number: firstNumber + i }));
  for (const part of chunk(numbered, 200)) {
    const rows = await db
      .insertInto('incidents')
      .values(
        part.map(({ n, number }) => ({
          number,
          title: n.title,
          severity: n.severity,
          status: 'triggered',
          service: n.service,
          group_key: n.groupKey,
          open_key: n.manual ? null : n.groupKey,
          triggered_at: now,
          manual: n.manual ? 1 : 0,
          updated_at: now,
          route_id: n.routeId ?? null,
          escalation_policy: n.escalationPolicy ?? null,
        })),
      )
      .returningAll()
      .execute();
    for (const r of rows) byNumber.set(Number(r.number), rowToIncident(r));
  }
  const out: Incident[] = [];
  const events: NewTimelineEvent[] = [];
  for (const { n, number } of numbered) {
    const incident = byNumber.get(number);
    if (!incident) throw new VigilError('store_failed', `incident ${incidentKey(number)} was not returned`);
    out.push(incident);
    events.push({
      incidentId: incident.id,
      at: now,
      type: n.manual ? 'incident.declared' : 'incident.triggered',
      actor: n.actor,
      data: { title: n.title, severity: n.severity, service: n.service },
    });
  }
  await appendTimelineBatch(db, events);
  return out;
}

/** The open incidents for these group keys, keyed by group key. */
export async function findOpenByGroup(db: Db, keys: readonly string[]): Promise<Map<string, Incident>> {
  return runPlan(db, findOpenByGroupPlan(db, keys));
}

/** The read of `findOpenByGroup`, to run in a batch with others (`../store/batch.ts`). */
export function findOpenByGroupPlan(db: Db, keys: readonly string[]): Plan<Map<string, Incident>> {
  return plan(
    chunk(keys, 500).map((part) => db.selectFrom('incidents').selectAll().where('open_key', 'in', part)),
    (results) => {
      const out = new Map<string, Incident>();
      for (const r of results)
        for (const row of rowsOf<Selectable<IncidentsTable>>(r)) out.set(row.group_key, rowToIncident(row));
      return out;
    },
  );
}

/** Loads one incident by its number; throws not_found. */
export async function getIncidentByNumber(db: Db, number: number): Promise<Incident> {
  const r = await db.selectFrom('incidents').selectAll().where('number', '=', number).executeTakeFirst();
  if (!r) throw new VigilError('not_found', `incident ${incidentKey(number)} does not exist`);
  return rowToIncident(r);
}

/** Loads incidents by id. */
export async function getIncidentsById(db: Db, ids: readonly number[]): Promise<Map<number, Incident>> {
  const out = new Map<number, Incident>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('incidents')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
  for (const r of rows) out.set(r.id, rowToIncident(r));
  return out;
}

/** Appends one event to an incident's timeline (the timeline is never edited). */
export async function appendTimeline(
  db: Db,
  incidentId: number,
  at: number,
  type: TimelineType,
  actor: string,
  data: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('incident_timeline')
    .values({ incident_id: incidentId, at, type, actor, data: JSON.stringify(data) })
    .execute();
}

/** One timeline entry to append. */
export interface NewTimelineEvent {
  incidentId: number;
  at: number;
  type: TimelineType;
  actor: string;
  data: Record<string, unknown>;
}

/** Appends many timeline events with one statement per 100 (the ingest path). */
export async function appendTimelineBatch(db: Db, events: readonly NewTimelineEvent[]): Promise<void> {
  await runPlan(db, appendTimelinePlan(db, events));
}

/** The statements of `appendTimelineBatch`, to run in a batch with others. */
export function appendTimelinePlan(db: Db, events: readonly NewTimelineEvent[]): Plan<void> {
  return plan(
    chunk(events, 100).map((part) =>
      db.insertInto('incident_timeline').values(
        part.map((e) => ({
          incident_id: e.incidentId,
          at: e.at,
          type: e.type,
          actor: e.actor,
          data: JSON.stringify(e.data),
        })),
      ),
    ),
    () => undefined,
  );
}

/** The whole timeline of an incident, oldest first. */
export async function getTimeline(db: Db, incidentId: number): Promise<TimelineEvent[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    incidentId: r.incident_id,
    at: r.at,
    type: r.type as TimelineType,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}

/** Filters for listing incidents. */
export interface IncidentFilter {
  status?: IncidentStatus[] | undefined;
  severity?: Severity[] | undefined;
  service?: string | undefined;
  /** Triggered at or after (epoch ms). */
  since?: number | undefined;
  /** Triggered before (epoch ms). */
  until?: number | undefined;
  limit?: number | undefined;
  /** Return incidents with numbers below this (for paging back in time). */
  before?: number | undefined;
}

/** Lists incidents, newest first. */
export async function listIncidents(db: Db, f: IncidentFilter): Promise<Incident[]> {
  let q = db.selectFrom('incidents').selectAll();
  if (f.status?.length) q = q.where('status', 'in', f.status);
  if (f.severity?.length) q = q.where('severity', 'in', f.severity);
  if (f.service) q = q.where('service', '=', f.service);
  if (f.since !== undefined) q = q.where('triggered_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('triggered_at', '<', f.until);
  if (f.before !== undefined) q = q.where('number', '<', f.before);
  const rows = await q
    .orderBy('number', 'desc')
    .limit(f.limit ?? 100)
    .execute();
  return rows.map(rowToIncident);
}

/** Counts open incidents by status and severity (for the /metrics gauge). */
export async function countOpen(db: Db): Promise<Array<{ status: string; severity: string; count: number }>> {
  const rows = await db
    .selectFrom('incidents')
    .select(['status', 'severity', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', '!=', 'resolved')
    .groupBy(['status', 'severity'])
    .execute();
  return rows.map((r) => ({ status: r.status, severity: r.severity, count: Number(r.count) }));
}
