import type { Layer, Restriction, RotationVersion, ScheduleDef, TimeOff } from './model.ts';
import { fromLocal, localDayStart, localWeekday, toLocal } from './zone-time.ts';

/**
 * What one layer says on its own: the pieces of time in which it has someone on call, after
 * restrictions and time off, before layers are combined. Pieces of a layer never overlap and
 * are sorted; pieces that touch always differ in `key` or users.
 */

const DAY = 86_400_000;

/** A stretch of one layer with the same turn and the same users. */
export interface Piece {
  start: number;
  end: number;
  users: readonly string[];
  layer: string;
  /** Identifies the turn (layer, version, turn index) and any cover applied. */
  key: string;
  reason: 'rotation' | 'cover-for-vacation';
  coveringFor?: readonly string[];
  /** The version and turn index the piece belongs to (used for "next in rotation"). */
  version: RotationVersion;
  turn: number;
}

/** Instant at which turn `k` of `v` begins (wall-clock arithmetic with the DST rules). */
export function handoffAt(zone: string, v: RotationVersion, k: number): number {
  return fromLocal(zone, v.anchorLocal + k * v.turnMs);
}

/**
 * The index of the turn of `v` that covers instant `at` (ignoring restrictions), or -1 before the
 * first turn. Arithmetic, not iteration: a guess from the wall time then at most a few steps.
 */
export function turnIndexAt(zone: string, v: RotationVersion, at: number): number {
  let k = Math.floor((toLocal(zone, at) - v.anchorLocal) / v.turnMs);
  for (let i = 0; i < 4 && k >= 0 && handoffAt(zone, v, k) > at; i++) k--;
  while (k >= -1 && handoffAt(zone, v, k + 1) <= at) k++;
  return k < 0 ? -1 : k;
}

/** The version of `layer` in effect at `at`, with its index. */
export function versionAt(layer: Layer, at: number): { v: RotationVersion; index: number } {
  let index = 0;
  for (let i = 1; i < layer.versions.length; i++)
    if ((layer.versions[i]?.effectiveFrom ?? Infinity) <= at) index = i;
  const v = layer.versions[index];
  if (!v) throw new RangeError(`layer ${layer.name} has no rotation`);
  return { v, index };
}

/** Restriction windows (merged where they overlap or touch) intersected with [s, e). */
function windowsWithin(
  zone: string,
  restrictions: readonly Restriction[],
  s: number,
  e: number,
): [number, number][] {
  if (restrictions.length === 0) return [[s, e]];
  const raw: [number, number][] = [];
  const lastDay = localDayStart(toLocal(zone, e));
  for (let d = localDayStart(toLocal(zone, s)) - DAY; d <= lastDay; d += DAY) {
    const wd = localWeekday(d);
    for (const r of restrictions) {
      if (!r.days.includes(wd)) continue;
      const ws = fromLocal(zone, d + r.from);
      const we = fromLocal(zone, d + (r.to > r.from ? r.to : r.to + DAY));
      if (we > s && ws < e && we > ws) raw.push([Math.max(ws, s), Math.min(we, e)]);
    }
  }
  raw.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const w of raw) {
    const last = out[out.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else out.push([w[0], w[1]]);
  }
  return out;
}

/** Pieces of `layer` within [from, to), clipped to the range. */
export function layerPieces(def: ScheduleDef, layer: Layer, from: number, to: number): Piece[] {
  const out: Piece[] = [];
  const li = def.layers.indexOf(layer);
  layer.versions.forEach((v, vi) => {
    const vEnd = layer.versions[vi + 1]?.effectiveFrom ?? Infinity;
    const a = Math.max(from, v.effectiveFrom);
    const b = Math.min(to, vEnd);
    if (a >= b || v.slots.length === 0) return;
    let k = Math.max(0, turnIndexAt(def.timeZone, v, a));
    for (;;) {
      const s = handoffAt(def.timeZone, v, k);
      if (s >= b) break;
      const e = handoffAt(def.timeZone, v, k + 1);
      if (e > a && e > s) {
        for (const [ws, we] of windowsWithin(def.timeZone, v.restrictions, Math.max(s, a), Math.min(e, b))) {
          pushCovered(out, def.timeOff, layer, li, vi, v, k, ws, we);
        }
      }
      k++;
    }
  });
  return out;
}

/** Applies time off to the window [s, e) of turn k and appends the resulting pieces. */
function pushCovered(
  out: Piece[],
  timeOff: readonly TimeOff[],
  layer: Layer,
  layerIndex: number,
  vi: number,
  v: RotationVersion,
  k: number,
  s: number,
  e: number,
): void {
  const slot = v.slots[k % v.slots.length] ?? [];
  const baseKey = `${layer.name}@${layerIndex}#${vi}#${k}`;
  const relevant = timeOff.filter((t) => t.start < e && t.end > s);
  const push = (p: Piece): void => {
    const last = out[out.length - 1];
    if (last && last.end === p.start && last.key === p.key) last.end = p.end;
    else if (p.users.length > 0 && p.end > p.start) out.push(p);
  };
  if (!relevant.some((t) => slot.includes(t.user))) {
    push({
      start: s,
      end: e,
      users: slot,
      layer: layer.name,
      key: baseKey,
      reason: 'rotation',
      version: v,
      turn: k,
    });
    return;
  }
  const cuts = new Set<number>([s, e]);
  for (const t of relevant) {
    if (t.start > s) cuts.add(t.start);
    if (t.end < e) cuts.add(t.end);
  }
  const points = [...cuts].sort((x, y) => x - y);
  for (let i = 0; i + 1 < points.length; i++) {
    const ps = points[i] as number;
    const pe = points[i + 1] as number;
    const away = (u: string): TimeOff | undefined =>
      relevant.find((t) => t.user === u && t.start <= ps && t.end >= pe);
    const off = slot.filter((u) => away(u));
    if (off.length === 0) {
      push({
        start: ps,
        end: pe,
        users: slot,
        layer: layer.name,
        key: baseKey,
        reason: 'rotation',
        version: v,
        turn: k,
      });
      continue;
    }
    const users: string[] = [];
    for (const u of slot) {
      const t = away(u);
      if (!t) users.push(u);
      else if (t.cover !== undefined) users.push(t.cover);
      else {
        for (let j = 1; j < v.slots.length; j++) {
          const next = v.slots[(k + j) % v.slots.length] ?? [];
          if (next.length > 0 && !next.some((n) => away(n) || n === u)) {
            users.push(...next);
            break;
          }
        }
      }
    }
    const unique = [...new Set(users)];
    push({
      start: ps,
      end: pe,
      users: unique,
      layer: layer.name,
      key: `${baseKey}#cover:${unique.join(',')}`,
      reason: 'cover-for-vacation',
      coveringFor: off,
      version: v,
      turn: k,
    });
  }
}

/** The longest turn of any layer of `def` (the search horizon for who-is-on-call). */
export function longestTurn(def: ScheduleDef): number {
  let max = DAY;
  for (const l of def.layers) for (const v of l.versions) max = Math.max(max, v.turnMs);
  return max;
}
