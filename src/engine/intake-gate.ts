/**
 * Timers the gate uses: the real ones in the server, fake ones in tests (never real sleeps).
 */
export interface GateTimers {
  /** A monotonic time in milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: GateTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * The least urgent work (new groups being applied, first flushes, first messages) that holds
 * intake by default. A few dozen pages go out within milliseconds anyway; holding a request for
 * them only delays that request's own alerts. Hundreds at once (a storm of new groups) take the
 * event loop for hundreds of milliseconds, and then accepting more alerts delays every page.
 */
export const DEFAULT_MIN_WORK = 128;

/**
 * First flushes announced by `expect` count only when due within this time: with a long
 * group_wait (Alertmanager's default is 30 s) the pages are not near, and nothing need wait for them.
 */
export const EXPECT_HORIZON_MS = 1000;

/**
 * How long after they were due announced flushes stop counting if they have not begun: a flush
 * that another process ran, or one whose job changed, must not keep alerts waiting.
 */
export const EXPECT_SLACK_MS = 1000;

/** How the gate behaves. */
export interface GateOptions {
  /** Longest hold, in ms; 0 turns the gate off. */
  maxHoldMs: number;
  /** Urgent work units that must be pending before a hold starts (default DEFAULT_MIN_WORK). */
  minWork?: number;
  timers?: GateTimers;
}

/** What the gate has done since it was made (for metrics and tests). */
export interface GateStats {
  /** Holds that ended because the work finished. */
  released: number;
  /** Holds that ended because they reached their longest allowed span. */
  expired: number;
  /** Milliseconds intake was held, summed over ended holds. */
  heldMs: number;
}

/**
 * Pages before intake (docs/adr/0015-pages-before-intake.md). While the first notification of a
 * new group is on its way — the group's alerts journaled but not applied, its first flush running,
 * or that flush's messages not yet sent — new ingestion requests wait before their bodies are read,
 * so the two cores go to the page instead of to more alerts. Senders keep their alerts until they
 * get an answer, so nothing is lost; they only wait.
 *
 * A hold starts only once at least `minWork` units are pending (a wave of pages, not a few), and
 * then lasts until none is left, or at most `maxHoldMs` from its start; one that reaches that
 * is followed by as long a window in which intake is not held, so under a steady stream of new
 * groups intake still gets at least half of the time. The gate is in memory only: it orders work,
 * it records nothing (after a crash there is nothing to hold).
 */
export class IntakeGate {
  readonly stats: GateStats = { released: 0, expired: 0, heldMs: 0 };
  /** Units of urgent work not finished (entries, flushes, messages). */
  #pending = 0;
  /** First flushes scheduled and not yet begun (`expect`), and until when they count. */
  #expected = 0;
  #expectedUntil = -Infinity;
  /** When the current hold began (undefined while intake flows). */
  #since: number | undefined;
  /** Intake is not held before this time (after a hold that expired). */
  #openUntil = -Infinity;
  #timer: unknown;
  #waiters: Array<() => void> = [];

  readonly maxHoldMs: number;
  readonly minWork: number;
  private readonly timers: GateTimers;

  constructor(opts: GateOptions) {
    this.maxHoldMs = opts.maxHoldMs;
    this.minWork = Math.max(1, opts.minWork ?? DEFAULT_MIN_WORK);
    this.timers = opts.timers ?? realTimers;
  }

  /** Whether new requests wait now. */
  get holding(): boolean {
    return this.#since !== undefined;
  }

  /** Urgent work units not yet finished. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Whether a wave of first pages is on its way: intake is held, or at least `minWork` units are
   * pending or first flushes expected. Work that can wait (the alerts of known groups, under a
   * storm) waits meanwhile, so that it does not take the store the flushes and sends need, also
   * in the gap between the new groups' apply and their flushes, when intake is not held.
   */
  get paging(): boolean {
    if (this.maxHoldMs <= 0) return false;
    if (this.holding || this.#pending >= this.minWork) return true;
    return this.#expected >= this.minWork && this.timers.now() < this.#expectedUntil;
  }

  /**
   * Records `n` first flushes scheduled (new groups' first notifications), the last due in
   * `dueInMs`: when that is within EXPECT_HORIZON_MS, they count towards `paging` until `begin`
   * takes them (or EXPECT_SLACK_MS after they were due), but do not hold intake, since requests
   * may bring more new groups in the meantime.
   */
  expect(n: number, dueInMs = 0): void {
    if (this.maxHoldMs <= 0 || n <= 0 || dueInMs > EXPECT_HORIZON_MS) return;
    const now = this.timers.now();
    if (now >= this.#expectedUntil) this.#expected = 0;
    this.#expected += n;
    this.#expectedUntil = Math.max(this.#expectedUntil, now + Math.max(0, dueInMs) + EXPECT_SLACK_MS);
  }

  /** Records `n` first flushes begun: no longer expected, now urgent work that may hold intake. */
  begin(n: number): void {
    if (n <= 0) return;
    this.#expected = Math.max(0, this.#expected - n);
    this.hold(n);
  }

  /** Records `n` units of urgent work begun; intake waits until they are done (or the hold ends). */
  hold(n = 1): void {
    if (this.maxHoldMs <= 0 || n <= 0) return;
    this.#pending += n;
    this.#maybeStart();
  }

  /** Starts a hold when enough work is pending, none is running and no open window is on. */
  #maybeStart(): void {
    if (this.#since !== undefined || this.#pending < this.minWork) return;
    const now = this.timers.now();
    if (now < this.#openUntil) return;
    this.#since = now;
    this.#timer = this.timers.setTimeout(() => this.#open(true), this.maxHoldMs);
  }

  /** Records `n` units of urgent work finished (or abandoned); intake resumes when none is left. */
  release(n = 1): void {
    if (n <= 0 || this.#pending === 0) return;
    this.#pending = Math.max(0, this.#pending - n);
    // Below the threshold with no hold running, the count is all there is to keep.
    if (this.#pending === 0 && this.#since !== undefined) this.#open(false);
  }

  /**
   * Replaces `from` units of pending work with `to` new ones at once (a flush handing its units
   * over to the pages it produced), so intake is not let through in between.
   */
  handOver(from: number, to: number): void {
    if (this.maxHoldMs <= 0) return;
    this.#pending = Math.max(0, this.#pending - Math.max(0, from) + Math.max(0, to));
    if (this.#pending === 0) this.#open(false);
    else this.#maybeStart();
  }

  /**
   * Resolves when intake may go on: undefined at once when nothing is held (the common case costs
   * no promise), else a promise settled when the hold ends.
   */
  wait(): Promise<void> | undefined {
    if (this.#since === undefined) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #open(expired: boolean): void {
    const since = this.#since;
    if (since === undefined) return;
    const now = this.timers.now();
    this.stats.heldMs += now - since;
    if (expired) {
      this.stats.expired++;
      // The work still pending is forgotten (its releases then end later holds early, which is
      // harmless, while a count that never came back to zero would hold every later one to its
      // limit), and nothing holds intake again until the window ends.
      this.#pending = 0;
      this.#expected = 0;
      this.#openUntil = now + this.maxHoldMs;
    } else {
      this.stats.released++;
      this.timers.clearTimeout(this.#timer);
    }
    this.#since = undefined;
    this.#timer = undefined;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
