import { listAlerts } from '../alerts/alert-store.ts';
import { cancelJobs, listJobs, scheduleJob, type Job } from '../engine/jobs.ts';
import type { Store } from '../store/store.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { Incident } from '../incidents/incident.ts';
import { appendTimeline, getIncidentsById, rowToIncident } from '../incidents/incident-store.ts';
import { routeNotifications, userNotifications } from '../notify/dispatch.ts';
import { enqueueNotifications, type NewNotification } from '../notify/outbox.ts';
import type { IncidentView, NotifyEvent } from '../notify/types.ts';
import { urgencyOf } from '../notify/urgency.ts';
import { chunk, isPostgres, type Db } from '../store/db.ts';
import type { EscalationRuntime } from './engine-config.ts';
import {
  addEscalationEvent,
  loadEscalation,
  lockIncident,
  markFired,
  storeOf,
  type EscalationState,
} from './engine-store.ts';
import { planEscalation, type EscalationPlan, type EscalationStep } from './plan.ts';
import type { EscalationPolicy } from './policy.ts';
import { assigneeFrom, resolveLevel, type LevelResolution } from './resolve-level.ts';

/** The job kind of one escalation step (key `esc:<incidentId>:<epoch>:<round>:<level>`). */
export const ESCALATION_STEP_JOB = 'escalation.step';

/** The actor name escalation writes on the timeline. */
export const ESCALATION_ACTOR = 'escalation';

/** The key prefix of every step job of an incident (the trailing colon keeps 1 and 12 apart). */
export function stepPrefix(incidentId: number): string {
  return `esc:${incidentId}:`;
}

/** An incident's escalation as it stands: stored state, the policy in force, and the plan. */
export interface CurrentPlan {
  state: EscalationState;
  policy: EscalationPolicy;
  plan: EscalationPlan;
}

/** Recomputes the plan of an incident from its stored state; undefined when it has none. */
export async function currentPlan(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
): Promise<CurrentPlan | undefined> {
  const state = await loadEscalation(db, incident.id);
  if (!state) return undefined;
  const policy = rt.policies.get(state.policyId);
  if (!policy) return undefined;
  const plan = planEscalation({
    incidentId: String(incident.id),
    policy,
    triggeredAt: incident.triggeredAt,
    events: state.events,
    ...(state.afterMinutes ? { override: { afterMinutes: state.afterMinutes } } : {}),
  });
  return { state, policy, plan };
}

/**
 * Brings the incident's step jobs in line with its plan (the contract in plan.ts): schedules
 * steps that have no job, moves pending ones whose due time changed, cancels pending ones that
 * left the plan, and never touches a step that ran (done, running or failed).
 */
export async function reconcile(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  now: number,
): Promise<CurrentPlan | undefined> {
  const cur = await currentPlan(db, rt, incident);
  if (!cur) return undefined;
  const jobs = await listJobs(db, stepPrefix(incident.id));
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const inPlan = new Set(cur.plan.steps.map((s) => s.key));
  for (const j of jobs) {
    if (j.status === 'pending' && !inPlan.has(j.key)) await cancelJobs(db, { key: j.key }, now);
  }
  for (const s of cur.plan.steps) {
    const j = byKey.get(s.key);
    if (j && j.status !== 'pending' && j.status !== 'cancelled') continue;
    if (j?.status === 'pending' && j.runAt === s.dueAt) continue;
    await scheduleJob(
      db,
      { kind: ESCALATION_STEP_JOB, key: s.key, runAt: s.dueAt, payload: { incidentId: incident.id } },
      now,
      'replace',
    );
  }
  return cur;
}

async function viewOf(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  step: EscalationStep,
): Promise<IncidentView> {
  const [alert] = await listAlerts(db, { incidentId: incident.id, limit: 1 });
  const url = rt.incidentUrl?.(incident.key);
  return {
    id: incident.key,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    service: incident.service,
    labels: alert?.labels ?? {},
    triggeredAt: incident.triggeredAt,
    escalationLevel: step.level + 1,
    ...(alert?.annotations['summary'] ? { summary: alert.annotations['summary'] } : {}),
    ...(alert?.annotations['runbook_url'] ? { runbookUrl: alert.annotations['runbook_url'] } : {}),
    ...(url ? { url } : {}),
  };
}

/**
 * The notifications of one fired level: each user through their notification rules (steps
 * measured from this page), and each `channel:ID` target as a channel message. Keys carry the
 * step (`#e<epoch>r<round>l<level>`), so re-running the step never pages twice.
 */
export async function levelNotifications(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  step: EscalationStep,
  res: LevelResolution,
  now: number,
): Promise<NewNotification[]> {
  const view = await viewOf(db, rt, incident, step);
  const event: NotifyEvent = step.round === 0 && step.level === 0 ? 'triggered' : 'escalated';
  const occurrence = `e${step.epoch}r${step.round}l${step.level}`;
  const urgency = urgencyOf(incident.severity, rt.urgency);
  const out: NewNotification[] = [];
  for (const r of res.users) {
    const user = rt.notifyUsers.get(r.user);
    if (!user) continue;
    out.push(
      ...userNotifications(rt.dispatch, {
        user,
        urgency,
        event,
        view,
        timing: { triggeredAt: now },
        now,
        occurrence,
      }),
    );
  }
  out.push(
    ...routeNotifications(rt.dispatch, { channelIds: res.channels, event, view, dueAt: now, occurrence }),
  );
  return out;
}

async function retrigger(db: Db, incident: Incident, step: EscalationStep, now: number): Promise<Incident> {
  const row = await db
    .updateTable('incidents')
    .set({ status: 'triggered', acknowledged_at: null, acknowledged_by: null, updated_at: now })
    .where('id', '=', incident.id)
    .where('status', '=', 'acknowledged')
    .returningAll()
    .executeTakeFirstOrThrow();
  await appendTimeline(db, incident.id, now, 'escalation.retriggered', ESCALATION_ACTOR, {
    reason: 'ack-timeout',
    acknowledgedBy: incident.acknowledgedBy,
    epoch: step.epoch,
  });
  return rowToIncident(row);
}

/**
 * Fires one step inside the caller's transaction. Idempotent: it does nothing when the incident
 * is resolved, the step left the plan, the incident is acknowledged (unless this step is the
 * ack-timeout re-trigger), or the step already fired. Returns how many notifications it enqueued.
 */
export async function fireStep(
  db: Db,
  rt: EscalationRuntime,
  incidentId: number,
  key: string,
  now: number,
): Promise<number> {
  await lockIncident(db, incidentId);
  let incident = (await getIncidentsById(db, [incidentId])).get(incidentId);
  if (!incident || incident.status === 'resolved') return 0;
  const cur = await currentPlan(db, rt, incident);
  const step = cur?.plan.steps.find((s) => s.key === key);
  if (!cur || !step) return 0;
  const level = cur.policy.levels[step.level];
  if (!level) return 0;
  if (incident.status === 'acknowledged') {
    const at = cur.plan.retriggerAt;
    if (at === undefined || step.dueAt < at) return 0;
  }
  const overrides = await rt.runtimeOverrides?.(db, now);
  const res = resolveLevel(level, step.level, {
    schedules: rt.schedules,
    teams: rt.teams,
    ...(overrides ? { overrides } : {}),
    ...(rt.users ? { users: rt.users } : {}),
    at: now,
  });
  const fresh = await markFired(db, incidentId, {
    key,
    at: now,
    dueAt: step.dueAt,
    epoch: step.epoch,
    round: step.round,
    level: step.level,
    empty: res.empty,
    users: res.users.map((u) => u.user),
    channels: [...res.channels],
  });
  if (!fresh) return 0;
  if (incident.status === 'acknowledged') incident = await retrigger(db, incident, step, now);
  const data = {
    key,
    policy: cur.policy.id,
    epoch: step.epoch,
    round: step.round,
    level: step.level,
    cause: step.cause,
    dueAt: new Date(step.dueAt).toISOString(),
  };
  if (res.empty) {
    await appendTimeline(db, incidentId, now, 'escalation.level_empty', ESCALATION_ACTOR, {
      ...data,
      reasons: res.reasons,
    });
    // Fall through: the next level is due at this step's due time, i.e. at once.
    await addEscalationEvent(
      db,
      incidentId,
      { type: 'escalate', at: step.dueAt, reason: 'empty-level' },
      ESCALATION_ACTOR,
    );
    await reconcile(db, rt, incident, now);
    return 0;
  }
  await appendTimeline(db, incidentId, now, 'escalation.level_fired', ESCALATION_ACTOR, {
    ...data,
    users: res.users.map((u) => ({ user: u.user, via: u.via, why: u.why })),
    channels: res.channels,
    reasons: res.reasons,
  });
  if (incident.assignee === null) {
    const assignee = assigneeFrom([res]);
    if (assignee) {
      await db.updateTable('incidents').set({ assignee }).where('id', '=', incidentId).execute();
      incident = { ...incident, assignee };
    }
  }
  const notes = await levelNotifications(db, rt, incident, step, res, now);
  await enqueueNotifications(storeOf(db), notes, now);
  return notes.length;
}

/**
 * Most steps fired in one transaction (SQLite): a storm's incidents have their first steps due at
 * once, and a transaction each cost a begin, a commit and a completion message per step.
 */
const STEPS_PER_TRANSACTION = 100;

/**
 * The `escalation.step` job handler: fires the step in one transaction, then pokes the outbox.
 * Steps due together (a storm's new incidents) are fired in shared transactions of up to
 * STEPS_PER_TRANSACTION, in incident order, on SQLite, which has one writer. On PostgreSQL each
 * step keeps its own transaction: one holding many incidents' row locks could deadlock with an
 * apply that updates the same incidents in another order. If a batch fails, the worker fires its
 * steps one by one; those already fired are skipped (`fireStep` is idempotent).
 */
export function escalationStepHandler(rt: EscalationRuntime): JobHandler {
  /** Fires these jobs' steps in transactions of up to `size` steps, in incident order. */
  const fire = async (store: Store, jobs: readonly Job[], size: number, now: number): Promise<void> => {
    const steps: Array<{ key: string; id: number }> = [];
    for (const j of jobs) {
      const id = (j.payload as { incidentId?: unknown }).incidentId;
      if (typeof id === 'number') steps.push({ key: j.key, id });
    }
    steps.sort((a, b) => a.id - b.id);
    let enqueued = 0;
    for (const part of chunk(steps, size)) {
      enqueued += await store.db.transaction().execute(async (trx) => {
        let n = 0;
        for (const s of part) n += await fireStep(trx, rt, s.id, s.key, now);
        return n;
      });
    }
    if (enqueued > 0) rt.onEnqueued();
  };
  const handler: JobHandler = (job, { store, now }) => fire(store, [job], 1, now);
  handler.batch = (jobs, { store, now }) =>
    fire(store, jobs, isPostgres(store.db) ? 1 : STEPS_PER_TRANSACTION, now);
  return handler;
}
