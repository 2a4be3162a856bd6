import type { EscalationPolicy } from './policy.ts';

/**
 * The escalation timeline of one incident, as a pure function of what has happened to it.
 *
 * ## Contract with the engine
 *
 * Each step has a stable idempotency key `esc:<incidentId>:<epoch>:<round>:<level>`. The engine
 * stores every step of the plan as a job row keyed by it, and after *any* event on the incident
 * (ack, unack, escalate-now, resolve, policy/delay override) recomputes the plan and reconciles:
 *
 * - insert steps whose key has no row yet;
 * - update `dueAt` of rows still pending (escalate-now moves later steps earlier);
 * - cancel pending rows whose key is no longer in the plan (acknowledged or resolved);
 * - never fire a key twice (a fired row stays fired).
 *
 * Keys never collide across restarts: each ack-timeout re-trigger or un-acknowledge starts a new
 * `epoch`, and within an epoch (round, level) only moves forward. When a level resolves to nobody
 * (see `resolveLevel`), the engine records an `escalate` event with reason `empty-level` at that
 * step's due time, so the next level fires at once and the plan shows why.
 *
 * ## Semantics
 *
 * - Level `l` of round `r` is due `r × roundMinutes + levels[l].afterMinutes` after the epoch
 *   began (the trigger, or the re-trigger).
 * - A step due at or before an event's instant has fired before that event applies.
 * - `ack` stops the escalation; with `ackTimeoutMinutes` the incident re-triggers that long after
 *   the ack (new epoch, from level 0), as PagerDuty does. `unack` re-triggers at once.
 * - `escalate` fires the next level now; later levels keep their spacing from it. At the last
 *   level it wraps to level 0 of another round, even past `repeat` (as GoAlert does). On an
 *   acknowledged incident it also clears the acknowledgement.
 * - `resolve` ends everything.
 */

/** Something that happened to the incident that changes its escalation. */
export type EscalationEvent =
  | { type: 'ack'; at: number; by?: string }
  | { type: 'unack'; at: number }
  | { type: 'escalate'; at: number; reason?: 'manual' | 'empty-level' }
  | { type: 'resolve'; at: number };

/** A per-incident change: another policy and/or different level delays. */
export interface EscalationOverride {
  policy?: EscalationPolicy;
  /** Replaces `afterMinutes` of each level (by index; missing entries keep the policy's). */
  afterMinutes?: readonly number[];
}

/** Input of `planEscalation`. */
export interface EscalationInput {
  incidentId: string;
  policy: EscalationPolicy;
  triggeredAt: number;
  /** Events in any order; sorted by `at` (stable) before use. */
  events?: readonly EscalationEvent[];
  override?: EscalationOverride;
}

/** One step: notify level `level` of round `round`, due at `dueAt`. */
export interface EscalationStep {
  key: string;
  epoch: number;
  round: number;
  level: number;
  dueAt: number;
  /** Why it is due then: the schedule of levels, a manual/empty-level escalation, or a re-trigger. */
  cause: 'policy' | 'escalate' | 'empty-level' | 'retrigger';
}

/** The plan of an incident's escalation. */
export interface EscalationPlan {
  policyId: string;
  /** Every step in force, fired or still to come, in order. */
  steps: readonly EscalationStep[];
  /** State after the last event. */
  state: 'escalating' | 'acknowledged' | 'resolved';
  /** When an acknowledged incident re-triggers (ack timeout); absent otherwise. */
  retriggerAt?: number;
}

/** The idempotency key of a step (see the module comment). */
export function stepKey(incidentId: string, epoch: number, round: number, level: number): string {
  return `esc:${incidentId}:${epoch}:${round}:${level}`;
}

/** Computes the escalation plan of an incident (pure; see the module comment). */
export function planEscalation(input: EscalationInput): EscalationPlan {
  const policy = input.override?.policy ?? input.policy;
  const L = policy.levels.length;
  const after = policy.levels.map((l, i) => input.override?.afterMinutes?.[i] ?? l.afterMinutes);
  const MIN = 60_000;
  const offset = (r: number, l: number): number => (r * policy.roundMinutes + (after[l] ?? 0)) * MIN;
  const events = [...(input.events ?? [])].sort((a, b) => a.at - b.at);
  const steps: EscalationStep[] = [];

  let epoch = 0;
  let state: EscalationPlan['state'] = 'escalating';
  let retriggerAt: number | undefined;
  let maxRound = policy.repeat;
  // The next step to fire and the anchor its due time is measured from.
  let r = 0;
  let l = 0;
  let anchor = { r: 0, l: 0, at: input.triggeredAt + offset(0, 0) };
  let nextCause: EscalationStep['cause'] = 'policy';

  const dueOf = (rr: number, ll: number): number => anchor.at + offset(rr, ll) - offset(anchor.r, anchor.l);
  const exhausted = (): boolean => L === 0 || r > maxRound;
  const advance = (): void => {
    if (++l >= L) {
      l = 0;
      r++;
    }
  };
  const fireUntil = (t: number): void => {
    while (state === 'escalating' && !exhausted() && dueOf(r, l) <= t) {
      steps.push({
        key: stepKey(input.incidentId, epoch, r, l),
        epoch,
        round: r,
        level: l,
        dueAt: dueOf(r, l),
        cause: nextCause,
      });
      nextCause = 'policy';
      advance();
    }
  };
  const restart = (at: number): void => {
    epoch++;
    state = 'escalating';
    retriggerAt = undefined;
    maxRound = policy.repeat;
    r = 0;
    l = 0;
    anchor = { r: 0, l: 0, at: at + offset(0, 0) };
    nextCause = 'retrigger';
  };

  for (const e of events) {
    if (state === 'resolved') break;
    if (state === 'acknowledged' && retriggerAt !== undefined && retriggerAt <= e.at) {
      restart(retriggerAt);
    }
    fireUntil(e.at);
    switch (e.type) {
      case 'ack':
        if (state === 'escalating') {
          state = 'acknowledged';
          if (policy.ackTimeoutMinutes !== undefined) retriggerAt = e.at + policy.ackTimeoutMinutes * MIN;
        }
        break;
      case 'unack':
        if (state === 'acknowledged') restart(e.at);
        break;
      case 'escalate':
        state = 'escalating';
        retriggerAt = undefined;
        if (exhausted()) maxRound = r;
        anchor = { r, l, at: e.at };
        nextCause = e.reason === 'empty-level' ? 'empty-level' : 'escalate';
        fireUntil(e.at);
        break;
      case 'resolve':
        state = 'resolved';
        retriggerAt = undefined;
        break;
    }
  }
  const finalState = state;
  const finalRetrigger = retriggerAt;
  // The re-trigger after the last ack is part of the plan: its steps are scheduled now.
  if (state === 'acknowledged' && retriggerAt !== undefined) restart(retriggerAt);
  fireUntil(Infinity);
  return {
    policyId: policy.id,
    steps,
    state: finalState,
    ...(finalRetrigger !== undefined && finalState === 'acknowledged' ? { retriggerAt: finalRetrigger } : {}),
  };
}

/** Steps of `plan` due at or before `now` (the engine fires those whose key has not fired). */
export function dueSteps(plan: EscalationPlan, now: number): EscalationStep[] {
  return plan.steps.filter((s) => s.dueAt <= now);
}

/** The first step due after `now`, if any (when the engine should look again). */
export function nextStep(plan: EscalationPlan, now: number): EscalationStep | undefined {
  return plan.steps.find((s) => s.dueAt > now);
}
