import type { Logger } from 'pino';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import type { RetryPolicy } from './backoff.ts';
import type { Channel } from './channels/index.ts';
import { runOutboxPass, type OutboxPassResult } from './outbox-pass.ts';
import type { FetchLike } from './types.ts';

/** What the outbox runner needs. */
export interface OutboxRunnerOptions {
  store: Store;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  fetch?: FetchLike | undefined;
  logger?: Logger | undefined;
  /** Longest wait between passes when nothing was poked (default 250 ms): bounds the delay of rows that become due by time (delayed rule steps, retries). */
  idleMs?: number;
  leaseMs?: number;
  retry?: RetryPolicy;
  random?: () => number;
}

/**
 * The shell-side loop that delivers the outbox: it runs `runOutboxPass` again and again, with
 * no state of its own (everything is in the store). Whoever enqueues notifications calls
 * `poke()` after the commit, so delivery starts within milliseconds; between pokes it waits at
 * most `idleMs`, which bounds the lateness of rows that become due by time. A pass continues
 * each destination's chain itself (a recorded head's successor is claimed in the same
 * transaction); a pass that sent something is followed by another at once, which picks up what
 * was left beyond `maxSends` or became due meanwhile.
 */
export class OutboxRunner {
  private stopped = true;
  private again = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  /** Asks the pass in progress to claim newly due rows (set while a pass is sending). */
  private topUp: (() => void) | undefined;
  private readonly idleMs: number;

  constructor(private readonly opts: OutboxRunnerOptions) {
    this.idleMs = opts.idleMs ?? 250;
  }

  /** One pass now (tests call it after moving a FakeClock). */
  runOnce(): Promise<OutboxPassResult> {
    const o = this.opts;
    return runOutboxPass({
      store: o.store,
      channels: o.channels,
      clock: o.clock,
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
      ...(o.retry ? { retry: o.retry } : {}),
      ...(o.random ? { random: o.random } : {}),
      onRunning: (topUp) => (this.topUp = topUp),
    }).finally(() => (this.topUp = undefined));
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  /**
   * Asks for a pass now: a pass in progress claims what became due as soon as it has room, and is
   * followed by another.
   */
  poke(): void {
    this.again = true;
    this.topUp?.();
    this.wake?.();
  }

  /** Stops after the pass in progress finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      let sent = 0;
      try {
        sent = (await this.runOnce()).sent;
      } catch (err) {
        this.opts.logger?.error({ err }, 'outbox pass failed');
      }
      if (this.stopped) break;
      if (this.again || sent > 0) continue;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.idleMs);
        timer.unref();
        this.wake = done;
      });
    }
  }
}
