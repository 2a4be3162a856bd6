import { layerPieces, longestTurn, type Piece } from './layer-pieces.ts';
import type { Override, ScheduleDef, Shift, ShiftReason } from './model.ts';

/**
 * Combines layers, overrides and temporary schedules into the final schedule. Precedence, from
 * strongest to weakest:
 *
 * 1. a temporary schedule, inside its window, replaces everything (gaps inside it = nobody);
 * 2. overrides (config first, then runtime, each in the order given) transform the result of
 *    the layers: take_over → only that user; replace → swap if the replaced user is on call;
 *    add → also on call; remove → taken off (possibly leaving nobody);
 * 3. layers: the last primary layer with someone on call wins;
 * 4. inside a layer, time off hands a turn to the named cover or the next available user.
 */

interface Built {
  shift: Shift;
  key: string;
}

/** Options for `shifts`. */
export interface ShiftsOptions {
  /** Return the first and last shifts unclipped (PagerDuty's `overflow=true`). */
  overflow?: boolean;
}

/**
 * The final, merged list of shifts of `def` in [from, to), including gaps (`users: []`, reason
 * `none`), so the result tiles the range exactly. Runtime `overrides` are applied after config
 * overrides. With `overflow`, shifts that cross `from` or `to` keep their true bounds (found
 * within one longest turn beyond the range).
 */
export function shifts(
  def: ScheduleDef,
  overrides: readonly Override[],
  from: number,
  to: number,
  options: ShiftsOptions = {},
): Shift[] {
  if (!(to > from)) return [];
  if (!options.overflow) return resolveRange(def, overrides, from, to);
  const pad = longestTurn(def) + 86_400_000;
  return resolveRange(def, overrides, from - pad, to + pad).filter((s) => s.end > from && s.start < to);
}

/** Core of `shifts`: the tiling of [from, to), clipped to the range. */
export function resolveRange(
  def: ScheduleDef,
  runtime: readonly Override[],
  from: number,
  to: number,
): Shift[] {
  const primary = def.layers.filter((l) => l.role === 'primary');
  const streams = primary.map((l) => layerPieces(def, l, from, to));
  const overrides = [...def.overrides, ...runtime].filter(
    (o) => o.start < to && o.end > from && o.end > o.start,
  );
  const temps = def.temporary.filter((t) => t.start < to && t.end > from && t.end > t.start);

  const cuts = new Set<number>([from, to]);
  const cut = (x: number): void => {
    if (x > from && x < to) cuts.add(x);
  };
  const cutBoth = (r: { start: number; end: number }): void => {
    cut(r.start);
    cut(r.end);
  };
  for (const s of streams) s.forEach(cutBoth);
  overrides.forEach(cutBoth);
  for (const t of temps) {
    cutBoth(t);
    t.shifts.forEach(cutBoth);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const cursor = streams.map(() => 0);
  const out: Built[] = [];

  for (let i = 0; i + 1 < points.length; i++) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    const built = evaluate(def, streams, cursor, overrides, temps, x, y);
    const last = out[out.length - 1];
    if (
      last &&
      last.key === built.key &&
      last.shift.end === x &&
      sameUsers(last.shift.users, built.shift.users)
    ) {
      last.shift.end = y;
    } else out.push(built);
  }
  return out.map((b) => b.shift);
}

function evaluate(
  def: ScheduleDef,
  streams: readonly Piece[][],
  cursor: number[],
  overrides: readonly Override[],
  temps: ScheduleDef['temporary'],
  x: number,
  y: number,
): Built {
  const make = (
    users: readonly string[],
    layer: string | null,
    reason: ShiftReason,
    key: string,
    extra: Partial<Shift> = {},
  ): Built => ({
    key,
    shift: {
      scheduleId: def.id,
      start: x,
      end: y,
      users,
      layer: users.length ? layer : null,
      reason: users.length ? reason : 'none',
      ...extra,
    },
  });

  // Advance every layer's cursor first so later intervals stay linear.
  const covering: (Piece | undefined)[] = streams.map((s, li) => {
    let c = cursor[li] ?? 0;
    while (c < s.length && (s[c] as Piece).end <= x) c++;
    cursor[li] = c;
    const p = s[c];
    return p && p.start <= x ? p : undefined;
  });

  let temp: ScheduleDef['temporary'][number] | undefined;
  for (const t of temps) if (t.start <= x && x < t.end) temp = t;
  if (temp) {
    const ti = def.temporary.indexOf(temp);
    const active = temp.shifts.map((f, fi) => ({ f, fi })).filter(({ f }) => f.start <= x && x < f.end);
    const users = [...new Set(active.flatMap(({ f }) => f.users))];
    if (users.length === 0) return make([], null, 'none', 'gap');
    return make(users, null, 'temporary', `temp#${ti}#${active.map((a) => a.fi).join(',')}`);
  }

  let base: Piece | undefined;
  for (let li = covering.length - 1; li >= 0 && !base; li--) base = covering[li];
  let users: string[] = base ? [...base.users] : [];
  const applied: string[] = [];
  for (const o of overrides) {
    if (!(o.start <= x && x < o.end)) continue;
    const before = users;
    if (o.kind === 'take_over' && o.user !== undefined) users = [o.user];
    else if (o.kind === 'add' && o.user !== undefined)
      users = users.includes(o.user) ? users : [...users, o.user];
    else if (o.kind === 'remove') users = users.filter((u) => u !== o.replaces);
    else if (
      o.kind === 'replace' &&
      o.user !== undefined &&
      o.replaces !== undefined &&
      users.includes(o.replaces)
    ) {
      const user = o.user;
      users = [...new Set(users.map((u) => (u === o.replaces ? user : u)))];
    }
    if (before !== users) applied.push(o.id);
  }
  const baseKey = base ? base.key : 'gap';
  if (applied.length > 0) {
    return make(users, base?.layer ?? null, 'override', `${baseKey}|${applied.join(',')}`, {
      overrideIds: applied,
    });
  }
  if (!base) return make([], null, 'none', 'gap');
  return make(
    base.users,
    base.layer,
    base.reason,
    base.key,
    base.coveringFor ? { coveringFor: base.coveringFor } : {},
  );
}

function sameUsers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((u, i) => u === b[i]);
}
