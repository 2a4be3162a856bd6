/**
 * Turn lengths: `1h`, `12h`, `1d`, `3d`, `1w`, and the seed's spelled-out `1 week`, `2 days`,
 * `12 hours`. They are wall-clock lengths (a `1d` turn keeps its handoff at the same local time
 * across DST), returned in wall-clock milliseconds.
 */

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Parses a turn length to wall-clock ms; null when malformed or not a positive whole number. */
export function parseTurn(text: string): number | null {
  const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = UNIT_MS[(m[2] ?? '').toLowerCase()];
  if (!unit || !Number.isSafeInteger(n) || n <= 0) return null;
  return n * unit;
}
