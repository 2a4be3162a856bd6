import { splitBatches, type AlertBatch, type GroupedAlerts } from './alert-batch.ts';

/** When alerts of groups seen before may wait (docs/performance.md, session 14). */
export interface DeferOptions {
  /**
   * They wait only while alerts arrive faster than this (alerts/s over 250–500 ms, and for 500 ms
   * after; default 10,000; 0: always; `OFF`: never, every alert is applied in arrival order)…
   */
  deferAboveRate?: number;
  /** …and at most until the oldest of them has waited this long (ms, default 5,000)… */
  maxWaitMs?: number;
  /**
   * Most groups remembered as seen (default 50,000). Past it, alerts of unknown groups wait like
   * the others, and the set is cleared as soon as nothing waits (never while something does: a
   * group counting as new again could then be applied before an older version of its alerts).
   */
  maxSeenGroups?: number;
}

/** `deferAboveRate` that turns waiting off (`server.ingest_queue.storm_rate: 0`). */
export const OFF = Number.POSITIVE_INFINITY;

/** …or until this share of the queue bound waits. */
const MAX_SHARE = 0.5;
/** The window over which the arrival rate is measured (ms); also how often waiting is reviewed. */
export const RATE_WINDOW_MS = 250;
/**
 * How long pressure lasts after the rate was last seen above the threshold (ms). A storm's
 * arrivals stall now and then (a garbage collection, the first notifications of hundreds of
 * groups); without this, each stall let the waiting alerts in and the storm met a full apply.
 */
const HOLD_MS = 500;

/**
 * Which accepted alerts may wait for their apply, and until when. Under an alert storm the apply
 * competes with acknowledging for the event loop; most of a storm's alerts join groups that
 * already exist, and notifying them can wait for the group's next tick anyway. So the alerts of
 * groups seen before are journaled apart and applied once alerts stop arriving fast (or after
 * `maxWaitMs`, or when half the queue bound waits), while the alerts of new groups are applied at
 * once: a new group's first notification never waits behind the storm.
 *
 * Order is kept per alert: a group counts as new only the first time this process journals it,
 * so every later version of its alerts is in a later entry; and the set of groups seen is cleared
 * only while nothing waits. Recovery applies every entry before serving, so a restart cannot
 * reorder them either.
 */
export class Deferral {
  readonly #rate: number;
  readonly #maxWaitMs: number;
  readonly #maxSeen: number;
  readonly #maxWaiting: number;
  readonly #seen = new Set<string>();
  #waiting = 0;
  #since: number | undefined;
  #arrivals = { current: 0, previous: 0, since: -Infinity };
  #pressedAt = -Infinity;

  constructor(opts: DeferOptions, maxQueued: number) {
    this.#rate = opts.deferAboveRate ?? 10_000;
    this.#maxWaitMs = opts.maxWaitMs ?? 5000;
    this.#maxSeen = opts.maxSeenGroups ?? 50_000;
    this.#maxWaiting = maxQueued * MAX_SHARE;
  }

  /** Alerts journaled that may wait and are not applied yet. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Counts a request's alerts towards the arrival rate. */
  arrived(count: number): void {
    const now = performance.now();
    const a = this.#arrivals;
    if (now - a.since >= 2 * RATE_WINDOW_MS) this.#arrivals = { current: count, previous: 0, since: now };
    else if (now - a.since >= RATE_WINDOW_MS)
      this.#arrivals = { current: count, previous: a.current, since: a.since + RATE_WINDOW_MS };
    else a.current += count;
    // The rate over the current window and the one before it.
    const b = this.#arrivals;
    const span = RATE_WINDOW_MS + (now - b.since);
    if (((b.current + b.previous) * 1000) / span >= this.#rate) this.#pressedAt = now;
  }

  /**
   * Splits a commit's batches into the alerts of new groups (`first`) and those that may wait;
   * `fresh` counts the groups not seen before (0 when waiting is off: nothing is tracked then).
   */
  split(batches: readonly GroupedAlerts[]): { first: AlertBatch; rest: AlertBatch; fresh: number } {
    if (this.#rate === OFF) return { ...splitBatches(batches, () => true), fresh: 0 };
    if (this.#seen.size >= this.#maxSeen && this.#waiting === 0) this.#seen.clear();
    const fresh = new Set<string>();
    const split = splitBatches(batches, (group) => {
      if (fresh.has(group)) return true;
      if (this.#seen.has(group) || this.#seen.size + fresh.size >= this.#maxSeen) return false;
      fresh.add(group);
      return true;
    });
    for (const g of fresh) this.#seen.add(g);
    return { ...split, fresh: fresh.size };
  }

  /** Records that alerts that may wait were journaled. */
  journaled(count: number): void {
    this.#waiting += count;
    this.#since ??= performance.now();
  }

  /** Records that alerts that could wait were applied. */
  applied(count: number): void {
    this.#waiting -= count;
    if (this.#waiting <= 0) {
      this.#waiting = 0;
      this.#since = undefined;
    }
  }

  /**
   * Whether what waits is to be applied now (a request or a drain may also force it). `paging`:
   * a wave of first notifications is on its way (`IntakeGate.paging`, ADR 0015), so what waits
   * keeps waiting even if alerts no longer arrive fast — the gate itself slows them — since its
   * apply would hold the store that those flushes and sends need. The bounds still apply.
   */
  ready(paging = false): boolean {
    return (
      this.#waiting === 0 ||
      (!paging && !this.#underPressure()) ||
      performance.now() - (this.#since ?? 0) >= this.#maxWaitMs ||
      this.#waiting >= this.#maxWaiting
    );
  }

  /** True while alerts arrive faster than the rate, or did less than HOLD_MS ago. */
  #underPressure(): boolean {
    return this.#rate <= 0 || performance.now() - this.#pressedAt < HOLD_MS;
  }
}

/**
 * The deferral `server.ingest_queue` asks for (`storm_rate`, 0 to turn waiting off, and
 * `storm_max_wait`); tests may override any option.
 */
export function deferralOf(
  q: { stormRate: number; stormMaxWaitMs: number; maxQueued: number },
  overrides: DeferOptions = {},
): Deferral {
  return new Deferral(
    { deferAboveRate: q.stormRate === 0 ? OFF : q.stormRate, maxWaitMs: q.stormMaxWaitMs, ...overrides },
    q.maxQueued,
  );
}
