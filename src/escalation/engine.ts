import { cancelJobsWithPrefixes, scheduleJobs, type NewJob } from '../engine/jobs.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import type { Incident } from '../incidents/incident.ts';
import { appendTimeline, appendTimelineBatch, rowToIncident } from '../incidents/incident-store.ts';
import { cancelNotifications } from '../notify/outbox.ts';
import { VigilError } from '../shared/errors.ts';
import type { Db } from '../store/db.ts';
import { routedPolicy, type EscalationRuntime } from './engine-config.ts';
import {
  ESCALATION_ACTOR,
  ESCALATION_STEP_JOB,
  reconcile,
  stepPrefix,
  type CurrentPlan,
} from './engine-jobs.ts';
import { planEscalation } from './plan.ts';
import {
  addEscalationEvent,
  addEscalationEvents,
  createEscalation,
  createEscalations,
  escalatedIncidents,
  loadEscalation,
  setEscalationOverride,
  storeOf,
} from './engine-store.ts';

/**
 * The escalation engine's reactions to the incident lifecycle, run inside the transaction that
 * changed the incident (see `IncidentHooks`):
 *
 * - **opened**: choose the policy (the route's `escalation_policy` when the incident carries one,
 *   else the default policy: id `default`, else the first) and schedule every step of the plan as
 *   an `escalation.step` job keyed `esc:<incidentId>:<epoch>:<round>:<level>`;
 * - **acknowledged**: record the ack, cancel pending steps and pending pages, and schedule the
 *   ack-timeout re-trigger (the next epoch's steps) when the policy has `ack_timeout_minutes`;
 * - **resolved**: cancel every pending step and page.
 */
export function escalationHooks(rt: EscalationRuntime): IncidentHooks {
  return {
    opened: (db, incident, now) => startEscalations(db, rt, [incident], now),
    openedMany: (db, incidents, now) => startEscalations(db, rt, incidents, now),
    async acknowledged(db, incident, now) {
      await cancelNotifications(storeOf(db), { incident: incident.key }, now);
      if (!(await loadEscalation(db, incident.id))) return;
      const by = incident.acknowledgedBy;
      await addEscalationEvent(
        db,
        incident.id,
        { type: 'ack', at: now, ...(by ? { by } : {}) },
        by ?? 'unknown',
      );
      await reconcile(db, rt, incident, now);
    },
    resolved: (db, incident, now) => endEscalations(db, [incident], now),
    resolvedMany: endEscalations,
  };
}

/**
 * Starts the escalations of these new incidents (one statement each for all of them, not one
 * round of reads and writes per incident: a storm of new groups opens hundreds at once): each
 * gets its route's policy, else the default one, an `escalation.started` timeline entry and the
 * step jobs of its plan. An incident whose escalation already existed is reconciled instead.
 */
async function startEscalations(
  db: Db,
  rt: EscalationRuntime,
  incidents: readonly Incident[],
  now: number,
): Promise<void> {
  const chosen = incidents.flatMap((incident) => {
    const routed = routedPolicy(incident);
    const policyId = routed !== undefined && rt.policies.has(routed) ? routed : rt.defaultPolicyId;
    return policyId === undefined ? [] : [{ incident, policyId, byRoute: routed === policyId }];
  });
  if (chosen.length === 0) return;
  const created = await createEscalations(
    db,
    chosen.map((c) => ({ incidentId: c.incident.id, policyId: c.policyId })),
    now,
  );
  await appendTimelineBatch(
    db,
    chosen
      .filter((c) => created.has(c.incident.id))
      .map((c) => ({
        incidentId: c.incident.id,
        at: now,
        type: 'escalation.started' as const,
        actor: ESCALATION_ACTOR,
        data: { policy: c.policyId, chosenBy: c.byRoute ? 'route' : 'default' },
      })),
  );
  const steps: NewJob[] = [];
  for (const { incident, policyId } of chosen) {
    const policy = rt.policies.get(policyId);
    if (!created.has(incident.id) || !policy) {
      await reconcile(db, rt, incident, now);
      continue;
    }
    // A new escalation has no events and no step jobs yet: its plan's steps are all to schedule.
    const plan = planEscalation({
      incidentId: String(incident.id),
      policy,
      triggeredAt: incident.triggeredAt,
      events: [],
    });
    for (const s of plan.steps)
      steps.push({
        kind: ESCALATION_STEP_JOB,
        key: s.key,
        runAt: s.dueAt,
        payload: { incidentId: incident.id },
      });
  }
  await scheduleJobs(db, steps, now, 'replace');
}

/** Cancels every pending step and page of these resolved incidents and records their ends. */
async function endEscalations(db: Db, incidents: readonly Incident[], now: number): Promise<void> {
  await cancelJobsWithPrefixes(
    db,
    incidents.map((i) => stepPrefix(i.id)),
    now,
  );
  await cancelNotifications(storeOf(db), { incident: incidents.map((i) => i.key) }, now);
  const escalated = await escalatedIncidents(
    db,
    incidents.map((i) => i.id),
  );
  await addEscalationEvents(
    db,
    incidents
      .filter((i) => escalated.has(i.id))
      .map((i) => ({
        incidentId: i.id,
        event: { type: 'resolve', at: now },
        actor: i.resolvedBy ?? 'unknown',
      })),
  );
}

async function ensureEscalation(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  now: number,
): Promise<void> {
  if (await loadEscalation(db, incident.id)) return;
  const policyId = rt.defaultPolicyId;
  if (policyId === undefined) throw new VigilError('conflict', 'no escalation policy is configured');
  await createEscalation(db, incident.id, policyId, now);
}

/**
 * "Escalate now": fires the next level at once; later levels keep their spacing from it; at the
 * last level it wraps to another round. An acknowledged incident is re-triggered. The step runs
 * in the worker (poke it after commit).
 */
export async function escalateNow(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  actor: string,
  now: number,
): Promise<{ incident: Incident; plan: CurrentPlan | undefined }> {
  if (incident.status === 'resolved') throw new VigilError('conflict', `${incident.key} is already resolved`);
  await ensureEscalation(db, rt, incident, now);
  let inc = incident;
  if (inc.status === 'acknowledged') {
    const row = await db
      .updateTable('incidents')
      .set({ status: 'triggered', acknowledged_at: null, acknowledged_by: null, updated_at: now })
      .where('id', '=', inc.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    inc = rowToIncident(row);
  }
  await addEscalationEvent(db, inc.id, { type: 'escalate', at: now, reason: 'manual' }, actor);
  await appendTimeline(db, inc.id, now, 'escalation.escalated', actor, {
    reason: 'manual',
    wasAcknowledged: incident.status === 'acknowledged',
  });
  return { incident: inc, plan: await reconcile(db, rt, inc, now) };
}

/**
 * The per-incident override (`auto_escalate(incident, after_minutes, policy)`): escalate with
 * another policy and/or other level delays. `afterMinutes` as one number N spaces the levels N
 * minutes apart (level l at l × N); as a list it replaces each level's `after_minutes`.
 */
export async function overrideEscalation(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  change: { policy?: string | undefined; afterMinutes?: number | readonly number[] | undefined },
  actor: string,
  now: number,
): Promise<CurrentPlan | undefined> {
  if (incident.status === 'resolved') throw new VigilError('conflict', `${incident.key} is already resolved`);
  const current = await loadEscalation(db, incident.id);
  const policyId = change.policy ?? current?.policyId ?? rt.defaultPolicyId;
  const policy = policyId === undefined ? undefined : rt.policies.get(policyId);
  if (!policy || policyId === undefined) {
    throw new VigilError('validation_failed', 'unknown escalation policy', [
      { field: 'body.policy', message: `no escalation policy ${policyId ?? '(none configured)'}` },
    ]);
  }
  const n = change.afterMinutes;
  const after =
    n === undefined
      ? change.policy === undefined
        ? current?.afterMinutes
        : undefined
      : typeof n === 'number'
        ? policy.levels.map((_, i) => i * n)
        : [...n];
  if (after?.some((v, i) => i > 0 && v < (after[i - 1] ?? 0))) {
    throw new VigilError('validation_failed', 'bad after_minutes', [
      { field: 'body.after_minutes', message: 'level delays must not decrease' },
    ]);
  }
  await setEscalationOverride(db, incident.id, policyId, after, now);
  await appendTimeline(db, incident.id, now, 'escalation.policy_changed', actor, {
    policy: policyId,
    ...(after ? { afterMinutes: after } : {}),
  });
  return reconcile(db, rt, incident, now);
}
