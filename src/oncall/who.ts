import { handoffAt, layerPieces, longestTurn, turnIndexAt, versionAt, type Piece } from './layer-pieces.ts';
import type { Override, ScheduleDef, Shift } from './model.ts';
import { resolveRange } from './resolve.ts';

/**
 * Who is on call at one instant, and the shift that covers it. This is the hot path (the
 * escalation pass calls it for every schedule a level names), so it avoids projecting a whole
 * range: it finds, per layer, only the turn that covers the instant (turn index computed
 * arithmetically), and then resolves the final schedule only within the winning piece.
 */

/** The answer of `whoIsOnCall`. */
export interface OnCall {
  scheduleId: string;
  at: number;
  /** Users on call at `at` (empty when nobody is). */
  users: readonly string[];
  /** The final shift covering `at` (for a gap: the gap, bounded by the search horizon). */
  shift: Shift;
  /** The next shift with someone on call whose users differ from `users`, if one is found. */
  next: Shift | null;
}

/** Options for `whoIsOnCall`. */
export interface WhoOptions {
  /** Also look up the next person (default true); the benchmark-critical path can skip it. */
  next?: boolean;
  /** How far ahead to look for the next person (default 4 × the longest turn). */
  horizonMs?: number;
}

/**
 * Who is on call in `def` at instant `at`, with the covering shift and the next person.
 * `overrides` are the runtime overrides of this schedule (config overrides are in `def`).
 */
export function whoIsOnCall(
  def: ScheduleDef,
  overrides: readonly Override[],
  at: number,
  options: WhoOptions = {},
): OnCall {
  const [wa, wb] = windowAround(def, overrides, at);
  const list = resolveRange(def, overrides, wa, wb);
  const shift = list.find((s) => s.start <= at && at < s.end) ?? {
    scheduleId: def.id,
    start: wa,
    end: wb,
    users: [],
    layer: null,
    reason: 'none' as const,
  };
  const next = options.next === false ? null : findNext(def, overrides, shift, options.horizonMs);
  return { scheduleId: def.id, at, users: shift.users, shift, next };
}

/** The window in which the final shift covering `at` must lie. */
function windowAround(def: ScheduleDef, overrides: readonly Override[], at: number): [number, number] {
  for (const t of def.temporary) if (t.start <= at && at < t.end) return [t.start, t.end];
  const primary = def.layers.filter((l) => l.role === 'primary');
  for (let li = primary.length - 1; li >= 0; li--) {
    const p = pieceAt(def, primary[li] as (typeof primary)[number], at);
    if (p) return [p.start, p.end];
  }
  // A gap: search one longest turn either side, widened to the overrides covering `at` and to
  // those that touch them in turn (back-to-back overrides of one person make one shift).
  const h = longestTurn(def);
  let wa = at - h;
  let wb = at + h;
  const all = [...def.overrides, ...overrides];
  const covering = all.filter((o) => o.start <= at && at < o.end);
  if (covering.length === 0) return [wa, wb];
  let lo = Math.min(...covering.map((o) => o.start));
  let hi = Math.max(...covering.map((o) => o.end));
  for (let grew = true; grew;) {
    grew = false;
    for (const o of all) {
      if (o.start <= hi && lo <= o.end && (o.start < lo || o.end > hi)) {
        lo = Math.min(lo, o.start);
        hi = Math.max(hi, o.end);
        grew = true;
      }
    }
  }
  wa = Math.min(wa, lo);
  wb = Math.max(wb, hi);
  return [wa, wb];
}

/** The piece of `layer` covering `at`, computed from the covering turn only. */
export function pieceAt(
  def: ScheduleDef,
  layer: ScheduleDef['layers'][number],
  at: number,
): Piece | undefined {
  const { v, index } = versionAt(layer, at);
  const k = turnIndexAt(def.timeZone, v, at);
  if (k < 0) return undefined;
  const vEnd = layer.versions[index + 1]?.effectiveFrom ?? Infinity;
  const s = Math.max(handoffAt(def.timeZone, v, k), v.effectiveFrom);
  const e = Math.min(handoffAt(def.timeZone, v, k + 1), vEnd);
  return layerPieces(def, layer, s, e).find((p) => p.start <= at && at < p.end);
}

function findNext(
  def: ScheduleDef,
  overrides: readonly Override[],
  current: Shift,
  horizonMs: number | undefined,
): Shift | null {
  const step = longestTurn(def);
  const limit = current.end + (horizonMs ?? 4 * step);
  const key = current.users.join('\u0000');
  for (let from = current.end; from < limit; from += step) {
    const to = Math.min(from + step, limit);
    for (const s of resolveRange(def, overrides, from, to)) {
      if (s.users.length > 0 && s.users.join('\u0000') !== key) return extendEnd(def, overrides, s);
    }
  }
  return null;
}

/** Recomputes a shift found in a clipped window so its end is the true end. */
function extendEnd(def: ScheduleDef, overrides: readonly Override[], s: Shift): Shift {
  const found = resolveRange(def, overrides, s.start, s.start + longestTurn(def) + 86_400_000)[0];
  return found && found.start === s.start ? found : s;
}
