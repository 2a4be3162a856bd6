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
 * A hold lasts at most `maxHoldMs` from its start, whatever keeps arriving; one that reaches it
 * is followed by as long a window in which intake is not held, so under a steady stream of new
 * groups intake still gets at least half of the time. The gate is in memory only: it orders work,
 * it records nothing (after a crash there is nothing to hold).
 */
export class IntakeGate {
  readonly stats: GateStats = { released: 0, expired: 0, heldMs: 0 };
  /** Units of urgent work not finished (entries, flushes, messages). */
  #pending = 0;
  /** When the current hold began (undefined while intake flows). */
  #since: number | undefined;
  /** Intake is not held before this time (after a hold that expired). */
  #openUntil = -Infinity;
  #timer: unknown;
  #waiters: Array<() => void> = [];

  constructor(
    readonly maxHoldMs: number,
    private readonly timers: GateTimers = realTimers,
  ) {}

  /** Whether new requests wait now. */
  get holding(): boolean {
    return this.#since !== undefined;
  }

  /** Urgent work units not yet finished. */
  get pending(): number {
    return this.#pending;
  }

  /** Records `n` units of urgent work begun; intake waits until they are done (or the hold ends). */
  hold(n = 1): void {
    if (this.maxHoldMs <= 0 || n <= 0) return;
    this.#pending += n;
    if (this.#since !== undefined) return;
    const now = this.timers.now();
    if (now < this.#openUntil) return;
    this.#since = now;
    this.#timer = this.timers.setTimeout(() => this.#open(true), this.maxHoldMs);
  }

  /** Records `n` units of urgent work finished (or abandoned); intake resumes when none is left. */
  release(n = 1): void {
    if (n <= 0 || this.#pending === 0) return;
    this.#pending = Math.max(0, this.#pending - n);
    if (this.#pending === 0 && this.#since !== undefined) this.#open(false);
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
