/**
 * Public API of the escalation core (pure). The engine stores each planned step as a job row
 * keyed by `EscalationStep.key`; see `plan.ts` for the reconciliation contract.
 */
export {
  EscalationPolicySchema,
  EscalationPoliciesSectionSchema,
  type EscalationPolicyConfig,
} from './schema.ts';
export {
  normalizePolicy,
  parseTarget,
  formatTarget,
  type EscalationPolicy,
  type EscalationLevel,
  type Target,
} from './policy.ts';
export {
  planEscalation,
  dueSteps,
  nextStep,
  stepKey,
  type EscalationEvent,
  type EscalationInput,
  type EscalationOverride,
  type EscalationPlan,
  type EscalationStep,
} from './plan.ts';
export {
  resolveLevel,
  resolveTarget,
  assigneeFrom,
  type ResolveContext,
  type LevelResolution,
  type Recipient,
  type TargetOutcome,
  type TeamDef,
} from './resolve-level.ts';
