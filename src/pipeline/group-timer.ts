/**
 * The aggregation-group timer and notification decision, as a pure function. Alertmanager keeps a
 * goroutine and timer per group; vigil stores the group's state in a row and a job row for its next
 * check, and calls `decideFlush` when the job is due. The rules are Alertmanager's dispatcher
 * (group_wait / group_interval ticks) combined with its nflog dedup stage.
 */

/** One alert in a group, as the timer needs it. */
export interface GroupAlert {
  fingerprint: string;
  startsAt: number;
  /** Resolved when `endsAt <= now`. Undefined means firing with no known end. */
  endsAt?: number | undefined;
  /** When the group received it; defaults to the group's `createdAt`. */
  receivedAt?: number | undefined;
}

/** What the notification log recorded for the last notification of this group and receiver. */
export interface NotificationLogEntry {
  at: number;
  firing: readonly string[];
  resolved: readonly string[];
}

/** The persisted state of one aggregation group. */
export interface GroupState {
  /** When the first alert created the group. */
  createdAt: number;
  /** Alerts currently in the group, silenced/inhibited ones already removed by the caller. */
  alerts: readonly GroupAlert[];
  /** When the group last flushed (ran its tick); undefined before the first flush. */
  lastFlushAt?: number | undefined;
  /** The nflog entry for the last notification sent; undefined if none. */
  lastNotification?: NotificationLogEntry | undefined;
}

/** Timer options of the route the group belongs to. */
export interface GroupTimerOptions {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** The receiver's `send_resolved` (Alertmanager default true; false for email and slack). */
  sendResolved: boolean;
  /** True while the route is in a mute time interval or outside its active intervals. */
  muted?: boolean | undefined;
}

/** Alertmanager's `notification_reason` values. */
export type NotificationReason =
  | 'first notification'
  | 'new alerts added'
  | 'some alerts resolved'
  | 'all alerts resolved'
  | 'repeat interval elapsed';

/** The decision for one group at one instant. */
export interface FlushDecision {
  /** False when the next flush is not due yet; nothing else but `nextCheckAt` is meaningful then. */
  due: boolean;
  /** True when the nflog must be written (a notification happens). */
  notify: boolean;
  /** True when a message actually goes to the receiver (false for all-resolved with send_resolved off). */
  deliver: boolean;
  reason?: NotificationReason;
  /** Why nothing was sent, for logs (`not due`, `muted`, `no change`, `only resolved, never notified`). */
  skipped?: string;
  firing: string[];
  resolved: string[];
  /** Fingerprints to drop from the group after a flush (resolved alerts that were flushed). */
  remove: string[];
  /** True when the group is empty after removal and must be deleted. */
  destroy: boolean;
  /** When the engine should call again (store as the job's due time); undefined when destroyed. */
  nextCheckAt?: number;
  /** The nflog entry to store when `notify` is true. */
  logEntry?: NotificationLogEntry;
}

/**
 * When the group's next flush is due: `createdAt + group_wait` for the first flush — or at once for
 * an alert whose `startsAt + group_wait` had already passed when it arrived — and
 * `lastFlushAt + group_interval` after that.
 */
export function nextFlushAt(state: GroupState, opts: GroupTimerOptions, now?: number): number {
  if (state.lastFlushAt !== undefined) {
    const next = state.lastFlushAt + opts.groupIntervalMs;
    // A group that slept (see idleWakeAt) wakes at the next tick of its interval grid, as
    // Alertmanager's ticker, which never stopped, would.
    return now === undefined || next >= now ? next : onGrid(state.lastFlushAt, opts.groupIntervalMs, now);
  }
  let due = state.createdAt + opts.groupWaitMs;
  for (const a of state.alerts) {
    const received = a.receivedAt ?? state.createdAt;
    if (opts.groupWaitMs > 0 && a.startsAt + opts.groupWaitMs < received) due = Math.min(due, received);
  }
  return due;
}

/** The first instant of the grid `anchor + k·interval` (k ≥ 1) at or after `t`. */
function onGrid(anchor: number, intervalMs: number, t: number): number {
  if (intervalMs <= 0) return Math.max(anchor, t);
  return anchor + Math.max(1, Math.ceil((t - anchor) / intervalMs)) * intervalMs;
}

/**
 * When a group flushed at `flushedAt`, with every alert visible and nothing muted, next needs a tick
 * by time alone: the first tick of its interval grid at which one of its firing alerts has ended
 * (a resolve that arrives as time passing) or the repeat interval has elapsed since its last
 * notification. New alerts arm the timer themselves at ingest, so an idle group costs nothing in
 * between, where Alertmanager's ticker wakes every group each group_interval to find nothing new.
 * A tick at an instant this skipped could only have found no change (dedupReason), so the
 * notifications sent are the same.
 */
export function idleWakeAt(
  flushedAt: number,
  firingEndsAt: readonly number[],
  lastNotifiedAt: number | undefined,
  opts: GroupTimerOptions,
  forever: number,
): number {
  let t = forever;
  for (const e of firingEndsAt) if (e < t) t = e;
  // dedupReason repeats only once `at < now - repeat`, strictly.
  if (lastNotifiedAt !== undefined) t = Math.min(t, lastNotifiedAt + opts.repeatIntervalMs + 1);
  return onGrid(flushedAt, opts.groupIntervalMs, t);
}

function isSubset(sub: readonly string[], sup: readonly string[]): boolean {
  const s = new Set(sup);
  return sub.every((x) => s.has(x));
}

/**
 * Alertmanager's nflog dedup (`DedupStage.needsUpdate`) with the reason it would report. Returns
 * undefined when no notification is needed.
 */
export function dedupReason(
  entry: NotificationLogEntry | undefined,
  firing: readonly string[],
  resolved: readonly string[],
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): NotificationReason | undefined {
  if (!entry) return firing.length > 0 ? 'first notification' : undefined;
  if (!isSubset(firing, entry.firing)) return 'new alerts added';
  if (firing.length === 0) return entry.firing.length > 0 ? 'all alerts resolved' : undefined;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return 'some alerts resolved';
  return entry.at < now - repeatIntervalMs ? 'repeat interval elapsed' : undefined;
}

/**
 * Decides what a group does at `now`: nothing yet (not due), or a flush that notifies or not, which
 * alerts to drop afterwards, and when to check again. Rules (Alertmanager):
 * - first flush after `group_wait` (at once for alerts older than group_wait), then every `group_interval`;
 * - notify if never notified and something fires; if a firing alert is new since the last
 *   notification; if everything resolved and the last notification had firing alerts (sent even
 *   without send_resolved, to clear the log; delivered only with send_resolved); if send_resolved and
 *   new alerts resolved; or if `repeat_interval` has elapsed (checked only on ticks, so it is in
 *   effect rounded up to a multiple of group_interval);
 * - an alert resolved within group_wait is never notified; resolved alerts leave the group after a flush;
 * - a muted route flushes (and drops resolved alerts) but neither notifies nor logs.
 */
export function decideFlush(state: GroupState, opts: GroupTimerOptions, now: number): FlushDecision {
  const due = nextFlushAt(state, opts);
  if (now < due)
    return {
      due: false,
      notify: false,
      deliver: false,
      skipped: 'not due',
      firing: [],
      resolved: [],
      remove: [],
      destroy: false,
      nextCheckAt: due,
    };
  const firing: string[] = [];
  const resolved: string[] = [];
  for (const a of state.alerts) {
    if (a.endsAt !== undefined && a.endsAt <= now) resolved.push(a.fingerprint);
    else firing.push(a.fingerprint);
  }
  const destroy = firing.length === 0;
  const base = { due: true, firing, resolved, remove: resolved, destroy };
  const next = destroy ? {} : { nextCheckAt: now + opts.groupIntervalMs };
  if (opts.muted) return { ...base, ...next, notify: false, deliver: false, skipped: 'muted' };
  const reason = dedupReason(
    state.lastNotification,
    firing,
    resolved,
    opts.sendResolved,
    opts.repeatIntervalMs,
    now,
  );
  if (!reason)
    return {
      ...base,
      ...next,
      notify: false,
      deliver: false,
      skipped: state.lastNotification ? 'no change' : 'only resolved, never notified',
    };
  const deliver = firing.length > 0 || opts.sendResolved;
  return { ...base, ...next, notify: true, deliver, reason, logEntry: { at: now, firing, resolved } };
}
