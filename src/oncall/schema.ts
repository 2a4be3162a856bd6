import { z } from 'zod';
import { parseTurn } from './duration.ts';
import { IdSchema } from './people-schema.ts';
import { parseClock, parseLocal } from './zone-time.ts';

/**
 * Config schema (zod 4, strict objects) of the `schedules:` section. Times are wall times in the
 * schedule's `time_zone` (`2026-01-05T09:00`) unless they carry `Z` or an offset. Semantic checks
 * that need more than one field (unknown users, overlaps, zones) live in `validate-config.ts`.
 */

const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A date-time: wall time in the schedule zone, or an absolute instant with `Z`/offset. */
export const WhenSchema = z
  .string()
  .refine((s) => ABSOLUTE.test(s) || parseLocal(s) !== null, 'expected a date-time like 2026-01-05T09:00');

/** A calendar date `YYYY-MM-DD`. */
export const DateSchema = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && parseLocal(s) !== null, 'expected a date like 2026-12-25');

/** A clock time `HH:mm` between 00:00 and 24:00. */
export const ClockSchema = z.string().refine((s) => parseClock(s) !== null, 'expected a time like 09:00');

/** A turn length: `1h`, `12h`, `1d`, `3d`, `1w` (also `1 week`, `2 days`). */
export const TurnSchema = z
  .string()
  .refine((s) => parseTurn(s) !== null, 'expected a turn like 1h, 12h, 1d, 1w');

/** Weekday names used by restrictions. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A window in which the layer may have someone on call; `to` before `from` = overnight. */
export const RestrictionSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  from: ClockSchema,
  to: ClockSchema,
});

/** A rotation slot: one user, or a list of users on call together. */
export const SlotSchema = z.union([IdSchema, z.array(IdSchema).min(1)]);

/** `rotation:` of a layer. */
export const RotationSchema = z.strictObject({
  users: z.array(SlotSchema).min(1),
  start: WhenSchema,
  turn: TurnSchema,
});

/** An effective-dated change to a layer: fields given replace the previous version's. */
export const LayerChangeSchema = z.strictObject({
  effective_from: WhenSchema,
  rotation: z
    .strictObject({
      users: z.array(SlotSchema).min(1).optional(),
      start: WhenSchema.optional(),
      turn: TurnSchema.optional(),
    })
    .optional(),
  restrictions: z.array(RestrictionSchema).optional(),
});

/** One layer of a schedule. */
export const LayerSchema = z.strictObject({
  name: z.string().min(1),
  role: z.enum(['primary', 'backup']).optional(),
  rotation: RotationSchema,
  restrictions: z.array(RestrictionSchema).optional(),
  changes: z.array(LayerChangeSchema).optional(),
});

/**
 * An override in config. `user` + `replaces` = replace; `user` alone = takes over the schedule;
 * `user` + `add: true` = on call alongside; `replaces` alone = remove.
 */
export const OverrideConfigSchema = z
  .strictObject({
    id: z.string().min(1).optional(),
    user: IdSchema.optional(),
    replaces: IdSchema.optional(),
    add: z.boolean().optional(),
    start: WhenSchema,
    end: WhenSchema,
  })
  .refine((o) => o.user !== undefined || o.replaces !== undefined, 'an override needs user or replaces');

/** A user's unavailable window; `cover` names who takes their turns (else the next in rotation). */
export const TimeOffSchema = z.strictObject({
  user: IdSchema,
  start: WhenSchema,
  end: WhenSchema,
  cover: IdSchema.optional(),
  note: z.string().optional(),
});

/** A holiday: whole local days off for the listed users. */
export const HolidaySchema = z.strictObject({
  name: z.string().min(1),
  date: DateSchema,
  end_date: DateSchema.optional(),
  users: z.array(IdSchema).min(1),
  cover: IdSchema.optional(),
});

/** A fixed shift of a temporary schedule. */
export const FixedShiftSchema = z.strictObject({
  user: IdSchema.optional(),
  users: z.array(IdSchema).min(1).optional(),
  start: WhenSchema,
  end: WhenSchema,
});

/** A temporary schedule replacing the normal one in [start, end). */
export const TemporaryScheduleSchema = z.strictObject({
  start: WhenSchema,
  end: WhenSchema,
  shifts: z.array(FixedShiftSchema).default([]),
});

/** One entry of the seed's rotation shape: `{engineer: alice, start: "Mon 09:00", duration: "1 week"}`. */
export const SeedRotationEntrySchema = z.strictObject({
  engineer: IdSchema,
  start: z
    .string()
    .regex(/^(mon|tue|wed|thu|fri|sat|sun)\w*\s+\d{1,2}:\d{2}$/i, 'expected a start like "Mon 09:00"'),
  duration: TurnSchema,
});

/** A schedule. Either `layers` or the seed's `rotation` list (or both) must be given. */
export const ScheduleConfigSchema = z
  .strictObject({
    id: IdSchema,
    name: z.string().optional(),
    time_zone: z.string().min(1),
    layers: z.array(LayerSchema).optional(),
    rotation: z.array(SeedRotationEntrySchema).min(1).optional(),
    /** Seed shape: the date from which the seed rotation's first turn is counted. */
    rotation_starting: DateSchema.optional(),
    /** Seed shape: `next_in_rotation` (default) or a second seed-shaped rotation. */
    backup: z.union([z.literal('next_in_rotation'), z.array(SeedRotationEntrySchema).min(1)]).optional(),
    manager: IdSchema.optional(),
    overrides: z.array(OverrideConfigSchema).optional(),
    time_off: z.array(TimeOffSchema).optional(),
    holidays: z.array(HolidaySchema).optional(),
    temporary: z.array(TemporaryScheduleSchema).optional(),
  })
  .refine((s) => s.layers !== undefined || s.rotation !== undefined, 'a schedule needs layers or rotation');

/** The `schedules:` section. */
export const SchedulesSectionSchema = z.array(ScheduleConfigSchema);

/** A parsed `schedules:` entry. */
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
/** A parsed layer. */
export type LayerConfig = z.infer<typeof LayerSchema>;
/** A parsed restriction. */
export type RestrictionConfig = z.infer<typeof RestrictionSchema>;
/** A parsed seed rotation entry. */
export type SeedRotationEntry = z.infer<typeof SeedRotationEntrySchema>;
