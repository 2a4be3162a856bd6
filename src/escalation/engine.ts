import { cancelJobsWithPrefixes } from '../engine/jobs.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import type { Incident } from '../incidents/incident.ts';
import { appendTimeline, rowToIncident } from '../incidents/incident-store.ts';
import { cancelNotifications } from '../notify/outbox.ts';
import { VigilError } from '../shared/errors.ts';
import type { Db } from '../store/db.ts';
import { routedPolicy, type EscalationRuntime } from './engine-config.ts';
import { ESCALATION_ACTOR, reconcile, stepPrefix, type CurrentPlan } from './engine-jobs.ts';
import {
  addEscalationEvent,
  addEscalationEvents,
  createEscalation,
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
    async opened(db, incident, now) {
      const routed = routedPolicy(incident);
      const policyId = routed !== undefined && rt.policies.has(routed) ? routed : rt.defaultPolicyId;
      if (policyId === undefined) return;
      if (await createEscalation(db, incident.id, policyId, now)) {
        await appendTimeline(db, incident.id, now, 'escalation.started', ESCALATION_ACTOR, {
          policy: policyId,
          chosenBy: routed === policyId ? 'route' : 'default',
        });
      }
      await reconcile(db, rt, incident, now);
    },
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
