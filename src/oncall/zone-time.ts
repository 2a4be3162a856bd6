import { IANAZone } from 'luxon';

/**
 * Wall-clock arithmetic in IANA time zones, with the DST rules vigil promises:
 *
 * - a wall time that does not exist (spring forward) maps to the first valid instant after the
 *   gap (02:30 on a 02:00→03:00 day becomes 03:00);
 * - a wall time that happens twice (fall back) maps to its first instance.
 *
 * "Local ms" below means the wall-clock fields of a zone encoded as if they were UTC
 * (`Date.UTC(year, month - 1, day, hour, minute)`); it makes wall-clock arithmetic plain
 * integer arithmetic. Offsets come from luxon's IANA data, memoised per zone and UTC day (per
 * hour on days with a transition) because Intl look-ups cost about 10 µs each and the
 * who-is-on-call path needs thousands of them.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface ZoneCache {
  zone: IANAZone;
  /** day bucket → offset in ms, for UTC days whose offset is constant throughout. */
  days: Map<number, number>;
  /** hour bucket → offset in ms, for constant hours of days that contain a transition. */
  hours: Map<number, number>;
}

const caches = new Map<string, ZoneCache>();

function cacheFor(zone: string): ZoneCache {
  let c = caches.get(zone);
  if (!c) {
    const z = IANAZone.create(zone);
    if (!z.isValid) throw new RangeError(`unknown time zone: ${zone}`);
    c = { zone: z, days: new Map(), hours: new Map() };
    caches.set(zone, c);
  }
  return c;
}

/** True when `zone` is a valid IANA zone name (e.g. `America/Chicago`). */
export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** UTC offset of `zone` at instant `ms`, in milliseconds (east of UTC is positive). */
export function offsetAt(zone: string, ms: number): number {
  const c = cacheFor(zone);
  const day = Math.floor(ms / DAY);
  const d = c.days.get(day);
  if (d !== undefined) return d;
  const bucket = Math.floor(ms / HOUR);
  const h = c.hours.get(bucket);
  if (h !== undefined) return h;
  if (c.days.size > 100_000) c.days.clear();
  if (c.hours.size > 100_000) c.hours.clear();
  // Zones change offset at most once a day, so equal ends mean a constant day (or hour).
  const dayStart = c.zone.offset(day * DAY) * 60_000;
  if (dayStart === c.zone.offset(day * DAY + DAY - 1) * 60_000) {
    c.days.set(day, dayStart);
    return dayStart;
  }
  const startOff = c.zone.offset(bucket * HOUR) * 60_000;
  if (startOff === c.zone.offset(bucket * HOUR + HOUR - 1) * 60_000) {
    c.hours.set(bucket, startOff);
    return startOff;
  }
  return c.zone.offset(ms) * 60_000;
}

/** The wall-clock fields of instant `ms` in `zone`, as local ms. */
export function toLocal(zone: string, ms: number): number {
  return ms + offsetAt(zone, ms);
}

/**
 * The instant at which the wall clock of `zone` shows `local` (local ms), applying the DST
 * rules above: a skipped wall time yields the end of the gap, a repeated one its first instance.
 */
export function fromLocal(zone: string, local: number): number {
  const before = offsetAt(zone, local - DAY);
  const after = offsetAt(zone, local + DAY);
  const a = local - before;
  const b = local - after;
  const aOk = offsetAt(zone, a) === before;
  const bOk = offsetAt(zone, b) === after;
  if (aOk && bOk) return Math.min(a, b);
  if (aOk) return a;
  if (bOk) return b;
  // In a gap: find the first instant whose offset is the one after the transition.
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(zone, mid) === after) hi = mid;
    else lo = mid;
  }
  return offsetAt(zone, lo) === after ? lo : hi;
}

/**
 * Adds `wallMs` of wall-clock time to instant `ms` in `zone` (GoAlert's AddClock): the result
 * shows the wall time `local(ms) + wallMs`, resolved with the DST rules above.
 */
export function addWallClock(zone: string, ms: number, wallMs: number): number {
  return fromLocal(zone, toLocal(zone, ms) + wallMs);
}

/** Local ms of midnight starting the local day that contains local ms `local`. */
export function localDayStart(local: number): number {
  return Math.floor(local / DAY) * DAY;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a local ms value. */
export function localWeekday(local: number): number {
  const d = new Date(local).getUTCDay();
  return d === 0 ? 7 : d;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ABSOLUTE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a wall-clock date-time `YYYY-MM-DD[THH:mm[:ss]]` to local ms; null when it is not one
 * (or names a day that does not exist, such as 2026-02-30).
 */
export function parseLocal(text: string): number | null {
  const m = LOCAL_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0)))
    return null;
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  return local;
}

/**
 * Parses a time written in config: either wall time in `zone` (`2026-01-05T09:00`, DST rules
 * applied) or an absolute instant with `Z` or an offset. Returns epoch ms or null.
 */
export function parseWhen(text: string, zone: string): number | null {
  if (ABSOLUTE_RE.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  }
  const local = parseLocal(text);
  return local === null ? null : fromLocal(zone, local);
}

/** Parses `HH:mm` (00:00–24:00) to ms after midnight; null when malformed. */
export function parseClock(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  if (h > 24 || mi > 59 || (h === 24 && mi > 0)) return null;
  return h * HOUR + mi * 60_000;
}
