import type { Shift } from './model.ts';
import { localWeekday, toLocal } from './zone-time.ts';

/**
 * On-call burden metrics (pure), with PagerDuty's interruption categories in the *person's* own
 * time zone:
 *
 * - sleep hours: 22:00–08:00 every day (checked first);
 * - business hours: 08:00–18:00 Monday–Friday;
 * - off hours: everything else (18:00–22:00 Monday–Friday and 08:00–22:00 at weekends).
 *
 * Fairness across a rotation is the Gini coefficient (0 = perfectly even, 1 = one person has
 * everything) of hours on call and of off-hours pages (off + sleep) over the schedule's members,
 * counting members with nothing as zero; also the max/min ratio of hours (null when someone
 * had no hours, as the ratio is then unbounded).
 */

/** A page (notification that needed a person) delivered to a user. */
export interface PageEvent {
  user: string;
  at: number;
  scheduleId?: string;
}

/** Interruption counts by category. */
export interface Interruptions {
  business: number;
  offHours: number;
  sleep: number;
}

/** Burden of one person over the period. */
export interface PersonMetrics {
  user: string;
  hoursOnCall: number;
  pages: number;
  interruptions: Interruptions;
}

/** Burden and fairness of one schedule over the period. */
export interface ScheduleMetrics {
  scheduleId: string;
  hoursCovered: number;
  hoursUncovered: number;
  perUser: readonly PersonMetrics[];
  fairness: { hoursGini: number; offHoursPagesGini: number; hoursMaxMinRatio: number | null };
}

/** The category of an instant in a person's zone. */
export function interruptionCategory(at: number, zone: string): keyof Interruptions {
  const local = toLocal(zone, at);
  const hour = Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000);
  if (hour >= 22 || hour < 8) return 'sleep';
  const wd = localWeekday(local);
  return wd <= 5 && hour < 18 ? 'business' : 'offHours';
}

/** Gini coefficient of non-negative values (0 for an empty or all-zero list). */
export function gini(values: readonly number[]): number {
  const n = values.length;
  const total = values.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  let weighted = 0;
  sorted.forEach((v, i) => (weighted += (2 * (i + 1) - n - 1) * v));
  return weighted / (n * total);
}

/** Inputs of `personMetrics` and `scheduleMetrics`. */
export interface MetricsInput {
  /** Shift listings (any schedules), e.g. from `shifts()` or the on-call history. */
  shifts: readonly Shift[];
  pages: readonly PageEvent[];
  from: number;
  to: number;
  /** The user's own zone (default UTC). */
  zoneOf?: (user: string) => string | undefined;
}

function overlapHours(s: Shift, from: number, to: number): number {
  return Math.max(0, Math.min(s.end, to) - Math.max(s.start, from)) / 3_600_000;
}

/** Burden of `user` over [from, to) from all shifts and pages given. */
export function personMetrics(user: string, input: MetricsInput): PersonMetrics {
  const zone = input.zoneOf?.(user) ?? 'UTC';
  let hoursOnCall = 0;
  for (const s of input.shifts)
    if (s.users.includes(user)) hoursOnCall += overlapHours(s, input.from, input.to);
  const interruptions: Interruptions = { business: 0, offHours: 0, sleep: 0 };
  let pages = 0;
  for (const p of input.pages) {
    if (p.user !== user || p.at < input.from || p.at >= input.to) continue;
    pages++;
    interruptions[interruptionCategory(p.at, zone)]++;
  }
  return { user, hoursOnCall, pages, interruptions };
}

/**
 * Burden per member and fairness for one schedule. `members` is the rotation (so that someone
 * with no shifts still counts); pages count when their `scheduleId` matches or is absent.
 */
export function scheduleMetrics(
  scheduleId: string,
  members: readonly string[],
  input: MetricsInput,
): ScheduleMetrics {
  const own = input.shifts.filter((s) => s.scheduleId === scheduleId);
  const pages = input.pages.filter((p) => p.scheduleId === undefined || p.scheduleId === scheduleId);
  const users = [...new Set([...members, ...own.flatMap((s) => s.users)])];
  const perUser = users.map((u) => personMetrics(u, { ...input, shifts: own, pages }));
  let covered = 0;
  for (const s of own) if (s.users.length > 0) covered += overlapHours(s, input.from, input.to);
  const hours = perUser.map((p) => p.hoursOnCall);
  const off = perUser.map((p) => p.interruptions.offHours + p.interruptions.sleep);
  const min = Math.min(...hours);
  return {
    scheduleId,
    hoursCovered: covered,
    hoursUncovered: Math.max(0, (input.to - input.from) / 3_600_000 - covered),
    perUser,
    fairness: {
      hoursGini: gini(hours),
      offHoursPagesGini: gini(off),
      hoursMaxMinRatio: hours.length && min > 0 ? Math.max(...hours) / min : null,
    },
  };
}
