import type { Alert } from '../alerts/alert.ts';
import { appendHistoryPlan, loadAlerts, saveAlertsPlan, type StoredAlert } from '../alerts/alert-store.ts';
import { mergeAlert } from '../alerts/merge.ts';
import { loadGroupTimersPlan } from '../dispatch/group-store.ts';
import { armGroupTimersPlans, membersByGroup } from '../dispatch/schedule.ts';
import { scheduleJobs, scheduleJobsPlan, type NewJob } from '../engine/jobs.ts';
import type { GroupFn, IncidentGroup } from '../incidents/grouping.ts';
import { runHooksForMany, type IncidentHooks } from '../incidents/hooks.ts';
import {
  appendTimelinePlan,
  createIncidents,
  findOpenByGroupPlan,
  getIncidentsById,
  type NewIncident,
  type NewTimelineEvent,
} from '../incidents/incident-store.ts';
import type { Incident } from '../incidents/incident.ts';
import { resolveIncidents } from '../incidents/lifecycle.ts';
import { mapSeverity, maxSeverity } from '../incidents/severity.ts';
import type { RouteNode } from '../pipeline/routing.ts';
import { pipelineOf, type Pipeline } from '../pipeline/setup.ts';
import { ITEMS_PER_YIELD, yieldToEventLoop } from '../shared/event-loop.ts';
import type { Silence } from '../pipeline/silences.ts';
import { runPlans, type Plan } from '../store/batch.ts';
import { chunk, type Db } from '../store/db.ts';
import { noiseStage, type NoiseCandidate } from './noise-stage.ts';
import { FOREVER } from './normalize.ts';

/** The job kind that resolves an incident once all of its alerts have ended. */
export const RESOLVE_CHECK_JOB = 'incident.resolve_check';

/** How ingest treats incidents. */
export interface IngestOptions {
  group: GroupFn;
  /** Resolve an incident when every alert in it has resolved (default true). */
  autoResolve: boolean;
  /** Lifecycle reactions (escalation, notifications), run in the same transaction. */
  hooks?: readonly IncidentHooks[];
  /** The routing tree whose group timers (group_wait, group_interval) this batch arms. */
  tree?: RouteNode;
  /**
   * The noise pipeline (aggregation rules, flap detection); defaults to the pipeline `tree` was
   * built with (`pipelineOf`). Without one, every firing alert goes straight to its incident.
   */
  pipeline?: Pipeline;
  /** Append the received versions to the alert history (default true; false for re-checks). */
  history?: boolean;
}

/**
 * What the caller already read in the transaction, in the same round trip as its own statements
 * (the ingest service reads them with its journal claim).
 */
export interface IngestReads {
  /** The stored alerts of the batch's fingerprints (more are harmless). */
  existing: Map<string, StoredAlert>;
  /** The silences active at `now`. */
  silences: readonly Silence[];
}

/** What one committed batch changed. */
export interface IngestOutcome {
  stored: number;
  opened: Incident[];
  resolved: Incident[];
  /** Incidents that gained a new firing alert (for notification hooks). */
  touched: number[];
  /** Aggregation groups this batch created, each with its first flush (a page) scheduled… */
  newGroups: number;
  /** …the last of those flushes due at this time (epoch ms; -Infinity when there are none). */
  firstFlushesDueAt: number;
}

/**
 * Stores a batch of normalized alerts and keeps incidents in step, all inside the caller's
 * transaction (so the reply is sent only after everything is committed): merges each alert with
 * its stored version (Alertmanager rules), appends the versions that changed something to its history, attaches firing alerts to the
 * open incident of their group (opening one when there is none), records resolutions on the
 * timeline and resolves incidents whose alerts have all ended. Alerts whose endsAt lies in the
 * future get a durable resolve check at that time, since "resolved" can also come from time
 * passing with no message at all.
 */
export async function ingestAlerts(
  db: Db,
  batch: readonly Alert[],
  now: number,
  opts: IngestOptions,
  read?: IngestReads,
): Promise<IngestOutcome> {
  // The last version of a fingerprint within one batch wins, as if they were posted in order.
  const byFp = new Map<string, Alert>();
  for (const a of batch) byFp.set(a.fingerprint, mergeAlert(byFp.get(a.fingerprint), a, now));
  const existing = read?.existing ?? (await loadAlerts(db, [...byFp.keys()]));

  const linked = new Set<number>();
  for (const e of existing.values()) if (e.incidentId !== null) linked.add(e.incidentId);
  const incidents = await getIncidentsById(db, [...linked]);

  const merged: StoredAlert[] = [];
  // Versions worth keeping in the history: new, status or startsAt changed, annotations changed.
  // A re-send that only moves endsAt forward (Prometheus, every evaluation) is not one.
  const changed: StoredAlert[] = [];
  const candidates: NoiseCandidate[] = [];
  const resolvedNow: StoredAlert[] = [];
  const needIncident = new Map<string, StoredAlert[]>();
  const events: Array<{ incidentId: number; type: 'alert.resolved' | 'alert.refired'; alert: StoredAlert }> =
    [];
  const resolveCandidates = new Set<number>();

  const groupOf = new Map<string, IncidentGroup>();
  let done = 0;
  for (const incoming of byFp.values()) {
    if (++done % ITEMS_PER_YIELD === 0) await yieldToEventLoop();
    const old = existing.get(incoming.fingerprint);
    const m = mergeAlert(old, incoming, now);
    const group = opts.group(m.labels);
    groupOf.set(m.fingerprint, group);
    const firing = m.endsAt > now;
    const wasFiring = old !== undefined && old.endsAt > now;
    const inc = old?.incidentId != null ? incidents.get(old.incidentId) : undefined;
    // A resolved alert that already left its group (flushed) does not rejoin it when re-sent.
    const inGroup = firing || (old !== undefined && old.groupKey !== '');
    const stored: StoredAlert = {
      ...m,
      incidentId: old?.incidentId ?? null,
      groupKey: inGroup ? group.key : '',
    };
    if (firing && (!inc || inc.status === 'resolved')) {
      stored.incidentId = null;
      candidates.push({ alert: stored, old, previous: inc, group });
    } else if (inc && firing && !wasFiring) {
      events.push({ incidentId: inc.id, type: 'alert.refired', alert: stored });
    } else if (inc && !firing && wasFiring) {
      events.push({ incidentId: inc.id, type: 'alert.resolved', alert: stored });
      resolveCandidates.add(inc.id);
    }
    if (!firing) resolvedNow.push(stored);
    merged.push(stored);
    if (
      !old ||
      firing !== wasFiring ||
      m.startsAt !== old.startsAt ||
      !sameMap(m.annotations, old.annotations)
    )
      changed.push(stored);
  }

  // Aggregation rules and flap detection decide which candidates go on to an incident.
  const noise = await noiseStage(
    db,
    opts.pipeline ?? pipelineOf(opts.tree),
    candidates,
    resolvedNow,
    now,
    read?.silences,
  );
  const keyGroup = new Map<string, IncidentGroup>();
  const joined: StoredAlert[] = [];
  for (const { group, alert } of [...noise.toIncident, ...noise.joined]) {
    keyGroup.set(group.key, group);
    const list = needIncident.get(group.key) ?? [];
    list.push(alert);
    needIncident.set(group.key, list);
  }
  for (const j of noise.joined) joined.push(j.alert);
  const saved = joined.length > 0 ? [...merged, ...joined] : merged;
  const byGroup = opts.tree ? membersByGroup(saved) : new Map<string, StoredAlert[]>();
  // The open incidents and the group timers in one round trip (`../store/batch.ts`).
  const [open, timers] = await runPlans(
    db,
    findOpenByGroupPlan(db, [...needIncident.keys()]),
    loadGroupTimersPlan(db, [...byGroup.keys()]),
  );

  const opened: Incident[] = [];
  const touched = new Set<number>();
  const timeline: NewTimelineEvent[] = [...noise.timeline];
  if (needIncident.size > 0) {
    // Groups without an open incident get one, all created together (numbered in batch order).
    const fresh: Array<{ key: string; incident: NewIncident }> = [];
    for (const [key, alerts] of needIncident) {
      if (open.has(key)) continue;
      const first = alerts[0] as StoredAlert;
      const group = keyGroup.get(key) ?? groupOf.get(first.fingerprint) ?? opts.group(first.labels);
      fresh.push({
        key,
        incident: {
          title: group.title,
          severity: alerts.map((a) => mapSeverity(a.labels['severity'])).reduce(maxSeverity),
          service: group.service,
          groupKey: key,
          manual: false,
          actor: 'vigil',
          routeId: group.routeId,
          escalationPolicy: group.escalationPolicy,
        },
      });
    }
    const created = await createIncidents(
      db,
      fresh.map((f) => f.incident),
      now,
    );
    created.forEach((inc, i) => open.set((fresh[i] as { key: string }).key, inc));
    opened.push(...created);
    await runHooksForMany(opts.hooks ?? [], 'opened', db, created, now);
    const createdIds = new Set(created.map((c) => c.id));
    for (const [key, alerts] of needIncident) {
      const inc = open.get(key) as Incident;
      // A new incident already has its alerts' severity; an open one may have to rise to it.
      const severity = createdIds.has(inc.id)
        ? inc.severity
        : alerts.map((a) => mapSeverity(a.labels['severity'])).reduce(maxSeverity);
      if (maxSeverity(inc.severity, severity) !== inc.severity) {
        await db
          .updateTable('incidents')
          .set({ severity, updated_at: now })
          .where('id', '=', inc.id)
          .execute();
        timeline.push({
          incidentId: inc.id,
          at: now,
          type: 'incident.severity_changed',
          actor: 'vigil',
          data: { from: inc.severity, to: severity },
        });
      }
      touched.add(inc.id);
      for (const a of alerts) a.incidentId = inc.id;
      // One event per incident and batch, listing the alerts that joined.
      timeline.push({
        incidentId: inc.id,
        at: now,
        type: 'alert.attached',
        actor: 'vigil',
        data: {
          count: alerts.length,
          alertname: alerts[0]?.labels['alertname'] ?? '',
          alerts: alerts.slice(0, 50).map((a) => ({ fingerprint: a.fingerprint, labels: a.labels })),
        },
      });
    }
  }
  for (const e of events) {
    timeline.push({
      incidentId: e.incidentId,
      at: now,
      type: e.type,
      actor: 'vigil',
      data: { fingerprint: e.alert.fingerprint, alertname: e.alert.labels['alertname'] ?? '' },
    });
    if (e.type === 'alert.refired') touched.add(e.incidentId);
  }
  const writes: Array<Plan<void>> = [appendTimelinePlan(db, timeline), saveAlertsPlan(db, saved)];
  if (opts.history !== false) writes.push(appendHistoryPlan(db, changed, now));
  let newGroups = 0;
  let firstFlushesDueAt = -Infinity;
  if (opts.tree) {
    const routeIds = new Map<string, string>();
    for (const a of saved)
      if (a.groupKey)
        routeIds.set(
          a.groupKey,
          keyGroup.get(a.groupKey)?.routeId ?? groupOf.get(a.fingerprint)?.routeId ?? '0',
        );
    const armed = armGroupTimersPlans(db, byGroup, timers, (k) => routeIds.get(k) ?? '0', opts.tree, now);
    writes.push(...armed.writes);
    newGroups = armed.created;
    firstFlushesDueAt = armed.firstDueAt;
  }

  // A durable check no later than the latest endsAt of each incident's firing alerts; the check
  // re-arms itself at the then-latest endsAt while alerts still fire.
  const checkAt = new Map<number, number>();
  for (const a of saved) {
    if (a.incidentId !== null && a.endsAt > now && a.endsAt < FOREVER) {
      checkAt.set(a.incidentId, Math.max(checkAt.get(a.incidentId) ?? 0, a.endsAt));
    }
  }
  if (opts.autoResolve) {
    const checks = [...checkAt].map(([id, at]) => resolveCheckJob(id, at));
    writes.push(scheduleJobsPlan(db, checks, now, 'earlier'));
  }
  // Every write of the batch in one round trip.
  await runPlans(db, ...writes);
  const resolved = opts.autoResolve
    ? await resolveIfAllEnded(db, [...resolveCandidates], now, opts.hooks)
    : [];
  return { stored: merged.length, opened, resolved, touched: [...touched], newGroups, firstFlushesDueAt };
}

/** The durable resolve check of one incident (one row per incident, by key). */
function resolveCheckJob(incidentId: number, at: number): NewJob {
  return { kind: RESOLVE_CHECK_JOB, key: `resolve-check:${incidentId}`, runAt: at, payload: { incidentId } };
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * The resolve check of an incident: resolves it when all its alerts have ended by `now`, or else
 * re-arms the check at the latest endsAt of its firing alerts (ingest only ever moves the check
 * earlier, so a check that finds alerts still firing is the normal case, not an error).
 */
export async function resolveCheck(
  db: Db,
  incidentId: number,
  now: number,
  hooks: readonly IncidentHooks[] = [],
): Promise<void> {
  const resolved = await resolveIfAllEnded(db, [incidentId], now, hooks);
  if (resolved.length > 0) return;
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.max('ends_at').as('at'))
    .where('incident_id', '=', incidentId)
    .where('ends_at', '>', now)
    .where('ends_at', '<', FOREVER)
    .executeTakeFirst();
  const at = row?.at === null || row?.at === undefined ? undefined : Number(row.at);
  if (at !== undefined) await scheduleJobs(db, [resolveCheckJob(incidentId, at)], now, 'replace');
}

/**
 * Resolves each of these incidents whose alerts have all ended by `now` (auto-resolve).
 * Manually declared and already resolved incidents are left alone.
 */
export async function resolveIfAllEnded(
  db: Db,
  incidentIds: readonly number[],
  now: number,
  hooks: readonly IncidentHooks[] = [],
): Promise<Incident[]> {
  if (incidentIds.length === 0) return [];
  const candidates = [...(await getIncidentsById(db, incidentIds)).values()]
    .filter((inc) => inc.status !== 'resolved' && !inc.manual)
    .map((inc) => inc.id);
  const firing = new Set<number>();
  for (const part of chunk(candidates, 500))
    for (const r of await db
      .selectFrom('alerts')
      .select('incident_id')
      .distinct()
      .where('incident_id', 'in', part)
      .where('ends_at', '>', now)
      .execute())
      if (r.incident_id !== null) firing.add(r.incident_id);
  return resolveIncidents(
    db,
    candidates.filter((id) => !firing.has(id)),
    'vigil',
    now,
    'all alerts resolved',
    hooks,
  );
}
