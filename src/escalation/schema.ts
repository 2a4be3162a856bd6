import { z } from 'zod';
import { IdSchema } from '../oncall/people-schema.ts';

/**
 * Config schema (zod 4, strict) of the `escalation_policies:` section. Level times are minutes
 * after the incident triggered (cumulative, Opsgenie style), so levels read as a timeline.
 * Cross-references (targets that must exist) are checked by `validateOncallConfig`.
 */

/** Most repeats a policy may ask for (Opsgenie allows 20; a plan must stay finite). */
export const MAX_REPEAT = 20;

/** A target string: `user:ID`, `schedule:ID`, `schedule:ID:backup`, `team:ID`, `team:ID:manager`, `channel:ID`. */
export const TargetSchema = z
  .string()
  .regex(
    /^(user|schedule|team|channel):[A-Za-z0-9][A-Za-z0-9._@-]*(?::(backup|primary|manager))?$/,
    'expected user:ID, schedule:ID, schedule:ID:backup, team:ID, team:ID:manager or channel:ID',
  );

/** One level of a policy. */
export const LevelSchema = z.strictObject({
  after_minutes: z.number().int().min(0).max(10_080),
  notify: z.array(TargetSchema).min(1),
});

/** One escalation policy. */
export const EscalationPolicySchema = z
  .strictObject({
    id: IdSchema,
    name: z.string().optional(),
    levels: z.array(LevelSchema).min(1),
    /** Run the levels again this many times while unacknowledged (0 = once). */
    repeat: z.number().int().min(0).max(MAX_REPEAT).default(0),
    /** Minutes from the start of one round to the next; default last level + 30. */
    repeat_after_minutes: z.number().int().min(1).max(10_080).optional(),
    /** An acknowledged incident re-triggers (escalation restarts) after this many minutes. */
    ack_timeout_minutes: z.number().int().min(1).max(10_080).optional(),
  })
  .superRefine((p, ctx) => {
    p.levels.forEach((l, i) => {
      const prev = p.levels[i - 1];
      if (prev && l.after_minutes < prev.after_minutes) {
        ctx.addIssue({
          code: 'custom',
          path: ['levels', i, 'after_minutes'],
          message: 'levels must be in order of after_minutes',
        });
      }
    });
    const last = p.levels[p.levels.length - 1];
    if (last && p.repeat_after_minutes !== undefined && p.repeat_after_minutes <= last.after_minutes) {
      ctx.addIssue({
        code: 'custom',
        path: ['repeat_after_minutes'],
        message: 'repeat_after_minutes must be later than the last level',
      });
    }
  });

/** The `escalation_policies:` section. */
export const EscalationPoliciesSectionSchema = z.array(EscalationPolicySchema);

/** A parsed `escalation_policies:` entry. */
export type EscalationPolicyConfig = z.infer<typeof EscalationPolicySchema>;
