import { parseTurn } from './duration.ts';
import type { LayerConfig, SeedRotationEntry } from './schema.ts';
import { parseClock, parseLocal, localWeekday } from './zone-time.ts';

/**
 * The seed's rotation shape, `[{engineer: alice, start: "Mon 09:00", duration: "1 week"}, …]`,
 * mapped onto the layer model:
 *
 * - the engineers, in list order, become the users of one rotation;
 * - `duration` becomes the turn (every entry must have the same duration);
 * - the first entry's `start` ("Mon 09:00") fixes the handoff weekday and time; the first turn
 *   begins at the first such weekday/time on or after `rotation_starting` (default
 *   `2026-01-05`, a Monday) in the schedule's zone. Later entries' starts must follow on
 *   (entry i starts i × duration after entry 0, modulo a week) and are otherwise ignored.
 */

/** The default date from which seed rotations are counted. */
export const DEFAULT_SEED_STARTING = '2026-01-05';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const DAY_INDEX: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Parses "Mon 09:00" into (ISO weekday, ms after midnight); null when malformed. */
export function parseSeedStart(text: string): { weekday: number; clock: number } | null {
  const m = /^([a-z]{3})\w*\s+(\d{1,2}:\d{2})$/i.exec(text.trim());
  if (!m) return null;
  const weekday = DAY_INDEX[(m[1] ?? '').toLowerCase()];
  const clock = parseClock((m[2] ?? '').padStart(5, '0'));
  if (weekday === undefined || clock === null) return null;
  return { weekday, clock };
}

/** Problems with a seed rotation list (uneven durations, starts that do not follow on). */
export function seedRotationProblems(
  entries: readonly SeedRotationEntry[],
): { index: number; message: string }[] {
  const out: { index: number; message: string }[] = [];
  const first = entries[0];
  if (!first) return out;
  const turn = parseTurn(first.duration);
  const start0 = parseSeedStart(first.start);
  entries.forEach((e, i) => {
    const t = parseTurn(e.duration);
    if (t !== turn)
      out.push({ index: i, message: `every entry needs the same duration as the first (${first.duration})` });
    const s = parseSeedStart(e.start);
    if (s && start0 && turn !== null) {
      const at0 = (start0.weekday - 1) * DAY + start0.clock;
      const at = (s.weekday - 1) * DAY + s.clock;
      const expected = (((at0 + i * turn) % WEEK) + WEEK) % WEEK;
      if (at !== expected) out.push({ index: i, message: `start should follow on from the previous entry` });
    }
  });
  return out;
}

/** Maps a seed rotation list onto a layer config (see the module comment for the rules). */
export function seedToLayer(
  entries: readonly SeedRotationEntry[],
  name: string,
  role: 'primary' | 'backup',
  starting: string = DEFAULT_SEED_STARTING,
): LayerConfig {
  const first = entries[0];
  const parsed = first ? parseSeedStart(first.start) : null;
  const base = parseLocal(starting);
  if (!first || !parsed || base === null) throw new RangeError('invalid seed rotation');
  let day = base;
  while (localWeekday(day) !== parsed.weekday) day += DAY;
  const anchor = new Date(day + parsed.clock).toISOString().slice(0, 16);
  return {
    name,
    role,
    rotation: { users: entries.map((e) => e.engineer), start: anchor, turn: first.duration },
  };
}
