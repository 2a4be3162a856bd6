import { z } from 'zod';

/**
 * Config schema of the `users:` and `teams:` sections. Users are the people schedules and
 * escalation policies name; teams group them and name a manager (the seed's "manager" level).
 */

/** An id as written in config: letters, digits, `.`, `_`, `-`, `@` (no `:`, which targets use). */
export const IdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'ids use letters, digits and . _ - @ (and no spaces or colons)');

/**
 * One entry of `users:` as on-call reads it. Loose: the notification layer owns the rest of a
 * user (contact methods, rules, quiet hours) and validates those fields strictly.
 */
export const UserConfigSchema = z.looseObject({
  id: IdSchema,
  name: z.string().min(1),
  email: z.email().optional(),
  time_zone: z.string().min(1).optional(),
});

/** One entry of `teams:`. */
export const TeamConfigSchema = z.strictObject({
  id: IdSchema,
  name: z.string().min(1).optional(),
  members: z.array(IdSchema).default([]),
  manager: IdSchema.optional(),
});

/** The `users:` section. */
export const UsersSectionSchema = z.array(UserConfigSchema);
/** The `teams:` section. */
export const TeamsSectionSchema = z.array(TeamConfigSchema);

/** A parsed `users:` entry. */
export type UserConfig = z.infer<typeof UserConfigSchema>;
/** A parsed `teams:` entry. */
export type TeamConfig = z.infer<typeof TeamConfigSchema>;
