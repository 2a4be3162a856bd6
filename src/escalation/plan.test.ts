import { describe, expect, it } from 'vitest';
import { dueSteps, nextStep, planEscalation, type EscalationEvent } from './plan.ts';
import { normalizePolicy, type EscalationPolicy } from './policy.ts';
import { EscalationPolicySchema } from './schema.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 12);

function policy(cfg: object): EscalationPolicy {
  return normalizePolicy(EscalationPolicySchema.parse({ id: 'p', ...cfg }));
}
const three = policy({
  levels: [
    { after_minutes: 0, notify: ['schedule:ml-platform'] },
    { after_minutes: 15, notify: ['schedule:ml-platform:backup'] },
    { after_minutes: 30, notify: ['user:carol'] },
  ],
  repeat: 2,
  repeat_after_minutes: 60,
});
const view = (events: EscalationEvent[] = [], p: EscalationPolicy = three) =>
  planEscalation({ incidentId: 'i1', policy: p, triggeredAt: T0, events }).steps.map(
    (s) => `${s.epoch}.${s.round}.${s.level}@${(s.dueAt - T0) / MIN}`,
  );

describe('planEscalation', () => {
  it('V12: step 1 at t0, step 2 thirty minutes later', () => {
    const p = policy({
      levels: [
        { after_minutes: 0, notify: ['user:a'] },
        { after_minutes: 30, notify: ['user:b'] },
      ],
    });
    const plan = planEscalation({ incidentId: 'x', policy: p, triggeredAt: T0 });
    expect(plan.steps.map((s) => [s.level, (s.dueAt - T0) / MIN, s.key])).toEqual([
      [0, 0, 'esc:x:0:0:0'],
      [1, 30, 'esc:x:0:0:1'],
    ]);
  });
  it('runs the levels 1 + repeat times, each round repeat_after_minutes apart', () => {
    expect(view()).toEqual([
      '0.0.0@0',
      '0.0.1@15',
      '0.0.2@30',
      '0.1.0@60',
      '0.1.1@75',
      '0.1.2@90',
      '0.2.0@120',
      '0.2.1@135',
      '0.2.2@150',
    ]);
  });
  it('an ack stops the escalation; steps due at the ack instant have fired', () => {
    const plan = planEscalation({
      incidentId: 'i',
      policy: three,
      triggeredAt: T0,
      events: [{ type: 'ack', at: T0 + 15 * MIN }],
    });
    expect(plan.state).toBe('acknowledged');
    expect(plan.steps.map((s) => s.level)).toEqual([0, 1]);
  });
  it('ack timeout re-triggers from the first level in a new epoch', () => {
    const p = policy({
      levels: [
        { after_minutes: 0, notify: ['user:a'] },
        { after_minutes: 10, notify: ['user:b'] },
      ],
      ack_timeout_minutes: 30,
    });
    const plan = planEscalation({
      incidentId: 'i',
      policy: p,
      triggeredAt: T0,
      events: [{ type: 'ack', at: T0 + 5 * MIN }],
    });
    expect(plan.state).toBe('acknowledged');
    expect(plan.retriggerAt).toBe(T0 + 35 * MIN);
    expect(plan.steps.map((s) => `${s.key}@${(s.dueAt - T0) / MIN}:${s.cause}`)).toEqual([
      'esc:i:0:0:0@0:policy',
      'esc:i:1:0:0@35:retrigger',
      'esc:i:1:0:1@45:policy',
    ]);
  });
  it('escalate now fires the next level at once and keeps the spacing of later ones', () => {
    expect(view([{ type: 'escalate', at: T0 + 5 * MIN }]).slice(0, 4)).toEqual([
      '0.0.0@0',
      '0.0.1@5',
      '0.0.2@20',
      '0.1.0@50',
    ]);
  });
  it('escalate at the last level wraps to another round, even past repeat', () => {
    const p = policy({ levels: [{ after_minutes: 0, notify: ['user:a'] }] });
    const steps = planEscalation({
      incidentId: 'i',
      policy: p,
      triggeredAt: T0,
      events: [{ type: 'escalate', at: T0 + 3 * MIN, reason: 'manual' }],
    }).steps;
    expect(steps.map((s) => `${s.round}.${s.level}@${(s.dueAt - T0) / MIN}:${s.cause}`)).toEqual([
      '0.0@0:policy',
      '1.0@3:escalate',
    ]);
  });
  it('an empty level falls through: the engine records escalate(empty-level) at its due time', () => {
    const steps = view([{ type: 'escalate', at: T0, reason: 'empty-level' }]);
    expect(steps.slice(0, 3)).toEqual(['0.0.0@0', '0.0.1@0', '0.0.2@15']);
  });
  it('unack restarts at once; resolve ends everything', () => {
    const events: EscalationEvent[] = [
      { type: 'ack', at: T0 + MIN },
      { type: 'unack', at: T0 + 40 * MIN },
      { type: 'resolve', at: T0 + 50 * MIN },
    ];
    const plan = planEscalation({ incidentId: 'i', policy: three, triggeredAt: T0, events });
    expect(plan.state).toBe('resolved');
    expect(plan.steps.map((s) => `${s.epoch}.${s.round}.${s.level}@${(s.dueAt - T0) / MIN}`)).toEqual([
      '0.0.0@0',
      '1.0.0@40',
    ]);
  });
  it('per-incident override of delays and of the policy', () => {
    const plan = planEscalation({
      incidentId: 'i',
      policy: three,
      triggeredAt: T0,
      override: { afterMinutes: [0, 5, 10] },
    });
    expect(plan.steps.slice(0, 3).map((s) => (s.dueAt - T0) / MIN)).toEqual([0, 5, 10]);
    const other = policy({ levels: [{ after_minutes: 2, notify: ['user:z'] }] });
    const p2 = planEscalation({
      incidentId: 'i',
      policy: three,
      triggeredAt: T0,
      override: { policy: other },
    });
    expect(p2.policyId).toBe('p');
    expect(p2.steps.map((s) => (s.dueAt - T0) / MIN)).toEqual([2]);
  });
  it('keys are unique and due times never go backwards within an epoch', () => {
    const plan = planEscalation({
      incidentId: 'i',
      policy: three,
      triggeredAt: T0,
      events: [
        { type: 'escalate', at: T0 + MIN },
        { type: 'ack', at: T0 + 2 * MIN },
        { type: 'escalate', at: T0 + 3 * MIN },
      ],
    });
    const keys = plan.steps.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(dueSteps(plan, T0 + 3 * MIN).map((s) => s.level)).toEqual([0, 1, 2]);
    expect(nextStep(plan, T0 + 3 * MIN)?.round).toBe(1);
  });
});
