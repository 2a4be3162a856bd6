import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * Alertmanager time intervals (`time_intervals:` at top level, referenced by routes'
 * `mute_time_intervals` / `active_time_intervals`). Fields are ANDed, elements within a field ORed;
 * times are `HH:MM`, start inclusive and end exclusive; `days_of_month` may count from the end
 * (`-1` is the last day); evaluated in `location` (IANA, default UTC).
 */

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

type Range = [number, number];

function splitRange(s: string): [string, string] {
  const parts = s.split(':');
  if (parts.length === 1) return [s, s];
  if (parts.length === 2) return [parts[0] ?? '', parts[1] ?? ''];
  throw new Error(`bad range ${JSON.stringify(s)}`);
}

function parseNamed(s: string, names: string[], numericFrom: number | undefined, what: string): Range {
  const one = (x: string): number => {
    const i = names.indexOf(x.trim().toLowerCase());
    if (i >= 0) return numericFrom === undefined ? i : i + numericFrom;
    if (numericFrom !== undefined && /^\d+$/.test(x.trim())) {
      const n = Number(x);
      if (n >= numericFrom && n < numericFrom + names.length) return n;
    }
    throw new Error(`unknown ${what} ${JSON.stringify(x)}`);
  };
  const [a, b] = splitRange(s);
  const r: Range = [one(a), one(b)];
  if (r[0] > r[1]) throw new Error(`${what} range ${JSON.stringify(s)} ends before it starts`);
  return r;
}

/** Parses a `weekdays` element (`monday`, `monday:friday`) into 0=Sunday…6 ranges. */
export function parseWeekdayRange(s: string): Range {
  return parseNamed(s, WEEKDAYS, undefined, 'weekday');
}

/** Parses a `months` element (`january:march`, `12`) into 1…12 ranges. */
export function parseMonthRange(s: string): Range {
  return parseNamed(s, MONTHS, 1, 'month');
}

/** Parses a `days_of_month` element (`1:5`, `-3:-1`, `-1`); signs may not be mixed. */
export function parseDayOfMonthRange(s: string): Range {
  const [a, b] = splitRange(s).map((x) => {
    if (!/^-?\d+$/.test(x.trim())) throw new Error(`bad day of month ${JSON.stringify(x)}`);
    const n = Number(x);
    if (n === 0 || n < -31 || n > 31) throw new Error(`day of month ${n} out of range -31…-1, 1…31`);
    return n;
  }) as [number, number];
  if (a < 0 && b > 0)
    throw new Error(`days_of_month ${JSON.stringify(s)}: end must be negative when start is`);
  if ((a > 0 && b < 0) || (a > 0 === b > 0 && a > b))
    throw new Error(`days_of_month range ${JSON.stringify(s)} ends before it starts`);
  return [a, b];
}

/** Parses a `years` element (`2026`, `2025:2027`). */
export function parseYearRange(s: string): Range {
  const [a, b] = splitRange(s).map((x) => {
    if (!/^\d+$/.test(x.trim())) throw new Error(`bad year ${JSON.stringify(x)}`);
    return Number(x);
  }) as [number, number];
  if (a > b) throw new Error(`year range ${JSON.stringify(s)} ends before it starts`);
  return [a, b];
}

function minutes(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  const h = Number(m?.[1]);
  const mm = Number(m?.[2]);
  if (!m || h > 24 || mm > 59 || (h === 24 && mm !== 0)) throw new Error(`bad time ${JSON.stringify(hhmm)}`);
  return h * 60 + mm;
}

const checked = (parse: (s: string) => unknown) =>
  z.string().superRefine((s, ctx) => {
    try {
      parse(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    }
  });

/** One `time_intervals[].time_intervals[]` element. */
export const timeIntervalSpecSchema = z.strictObject({
  times: z
    .array(
      z.strictObject({ start_time: checked(minutes), end_time: checked(minutes) }).refine(
        (t) => {
          try {
            return minutes(t.start_time) < minutes(t.end_time);
          } catch {
            return true;
          }
        },
        { message: 'end_time must be after start_time' },
      ),
    )
    .optional(),
  weekdays: z.array(checked(parseWeekdayRange)).optional(),
  days_of_month: z.array(checked(parseDayOfMonthRange)).optional(),
  months: z.array(checked(parseMonthRange)).optional(),
  years: z.array(checked(parseYearRange)).optional(),
  location: z
    .string()
    .refine((l) => l === 'Local' || IANAZone.isValidZone(l), { message: 'unknown IANA time zone' })
    .optional(),
});

/** A time interval spec as written in YAML. */
export type TimeIntervalSpec = z.infer<typeof timeIntervalSpecSchema>;

/** The top-level `time_intervals:` list. */
export const timeIntervalsSchema = z.array(
  z.strictObject({ name: z.string().min(1), time_intervals: z.array(timeIntervalSpecSchema) }),
);

/** A named time interval as written in YAML. */
export type NamedTimeInterval = z.infer<typeof timeIntervalsSchema>[number];

const inRanges = (v: number, rs: Range[]): boolean => rs.some(([a, b]) => v >= a && v <= b);

/** True when instant `at` (epoch ms) falls inside `spec`. Assumes the spec passed the schema. */
export function inTimeIntervalSpec(spec: TimeIntervalSpec, at: number): boolean {
  const zone = !spec.location || spec.location === 'Local' ? 'UTC' : spec.location;
  const t = DateTime.fromMillis(at, { zone });
  if (spec.times?.length) {
    const m = t.hour * 60 + t.minute;
    if (!spec.times.some((r) => m >= minutes(r.start_time) && m < minutes(r.end_time))) return false;
  }
  if (spec.weekdays?.length && !inRanges(t.weekday % 7, spec.weekdays.map(parseWeekdayRange))) return false;
  if (spec.days_of_month?.length) {
    const dim = t.daysInMonth ?? 31;
    const ok = spec.days_of_month.some((s) => {
      let [a, b] = parseDayOfMonthRange(s);
      if (a < 0) a = dim + a + 1;
      if (b < 0) b = dim + b + 1;
      a = Math.max(1, Math.min(a, dim));
      b = Math.min(b, dim);
      return t.day >= a && t.day <= b;
    });
    if (!ok) return false;
  }
  if (spec.months?.length && !inRanges(t.month, spec.months.map(parseMonthRange))) return false;
  if (spec.years?.length && !inRanges(t.year, spec.years.map(parseYearRange))) return false;
  return true;
}

/** True when `at` falls in any spec of the named interval. */
export function inTimeInterval(interval: NamedTimeInterval, at: number): boolean {
  return interval.time_intervals.some((s) => inTimeIntervalSpec(s, at));
}

/**
 * Whether a route is muted at `at`: inside any of its `mute_time_intervals`, or outside all of its
 * `active_time_intervals` (when it has some). Unknown names are ignored here (config validation
 * rejects them).
 */
export function isRouteMuted(
  route: { muteTimeIntervals: readonly string[]; activeTimeIntervals: readonly string[] },
  intervals: ReadonlyMap<string, NamedTimeInterval>,
  at: number,
): boolean {
  const hit = (name: string): boolean => {
    const iv = intervals.get(name);
    return iv !== undefined && inTimeInterval(iv, at);
  };
  if (route.muteTimeIntervals.some(hit)) return true;
  if (route.activeTimeIntervals.length > 0 && !route.activeTimeIntervals.some(hit)) return true;
  return false;
}
