import type { Override, ScheduleDef, Shift } from './model.ts';
import { shifts } from './resolve.ts';

/**
 * Handoff notices and "your shift moved" notices, computed purely from shift listings. The
 * engine stores each notice as a job (key `handoff:<scheduleId>:<at>:<user>`), and after a
 * schedule or override change compares the old and new listings with `shiftChanges`.
 */

/** A change of who is on call at instant `at`. */
export interface Handoff {
  scheduleId: string;
  at: number;
  /** Users going off call at `at`. */
  outgoing: readonly string[];
  /** Users coming on call at `at`. */
  incoming: readonly string[];
  /** When to send the heads-up (`at` minus the lead time). */
  noticeAt: number;
}

/**
 * The handoffs of `def` with `at` in [from, to): every boundary where the set of users on call
 * changes. `leadMs` is how long before the handoff the notice goes out.
 */
export function handoffs(
  def: ScheduleDef,
  overrides: readonly Override[],
  from: number,
  to: number,
  leadMs = 0,
): Handoff[] {
  const list = shifts(def, overrides, from - 1, to);
  return handoffsFromShifts(list, leadMs).filter((h) => h.at >= from && h.at < to);
}

/** Handoffs between consecutive shifts of a tiling listing. */
export function handoffsFromShifts(list: readonly Shift[], leadMs = 0): Handoff[] {
  const out: Handoff[] = [];
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1] as Shift;
    const next = list[i] as Shift;
    const outgoing = prev.users.filter((u) => !next.users.includes(u));
    const incoming = next.users.filter((u) => !prev.users.includes(u));
    if (outgoing.length === 0 && incoming.length === 0) continue;
    out.push({
      scheduleId: next.scheduleId,
      at: next.start,
      outgoing,
      incoming,
      noticeAt: next.start - leadMs,
    });
  }
  return out;
}

/** A stretch of on-call time of one user that appeared or disappeared after a change. */
export interface ShiftChange {
  user: string;
  kind: 'added' | 'removed';
  start: number;
  end: number;
}

/** Per user, the merged stretches of time on call in a listing. */
function stretches(list: readonly Shift[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of list) {
    for (const u of s.users) {
      const arr = out.get(u) ?? [];
      const last = arr[arr.length - 1];
      if (last && last[1] === s.start) last[1] = s.end;
      else arr.push([s.start, s.end]);
      out.set(u, arr);
    }
  }
  return out;
}

/**
 * Which users' upcoming on-call time moved between two listings of the same range (before and
 * after a schedule/override change): stretches that exist in only one of them. A moved shift
 * shows as one `removed` and one `added` entry; users with no entries are unaffected.
 */
export function shiftChanges(before: readonly Shift[], after: readonly Shift[]): ShiftChange[] {
  const a = stretches(before);
  const b = stretches(after);
  const out: ShiftChange[] = [];
  const key = (x: [number, number]): string => `${x[0]}-${x[1]}`;
  for (const user of new Set([...a.keys(), ...b.keys()])) {
    const was = a.get(user) ?? [];
    const now = b.get(user) ?? [];
    const wasKeys = new Set(was.map(key));
    const nowKeys = new Set(now.map(key));
    for (const x of was)
      if (!nowKeys.has(key(x))) out.push({ user, kind: 'removed', start: x[0], end: x[1] });
    for (const x of now) if (!wasKeys.has(key(x))) out.push({ user, kind: 'added', start: x[0], end: x[1] });
  }
  return out.sort((x, y) => x.start - y.start || x.user.localeCompare(y.user));
}

/** Users whose upcoming shifts changed (the people to notify). */
export function affectedUsers(changes: readonly ShiftChange[]): string[] {
  return [...new Set(changes.map((c) => c.user))].sort();
}
