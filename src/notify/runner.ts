import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import type { RetryPolicy } from './backoff.ts';
import type { Channel } from './channels/index.ts';
import type { ClaimContext, Claimed } from './outbox-claim.ts';
import type { OutboxClaimer } from './outbox.ts';
import { DEFAULT_LEASE_MS, runOutboxPass, type OutboxPassResult } from './outbox-pass.ts';
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
export class OutboxRunner implements OutboxClaimer {
  private stopped = true;
  private again = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  /** Asks the pass in progress to claim newly due rows (set while a pass is sending). */
  private topUp: (() => void) | undefined;
  /** Hands the pass in progress rows claimed elsewhere (set while a pass is sending). */
  private adoptInto: ((rows: readonly Claimed[]) => boolean) | undefined;
  /** Rows claimed for this runner while no pass was sending: the next pass starts with them. */
  private readonly adopted: Claimed[] = [];
  private readonly idleMs: number;
  /** Every pass of this runner leases with this owner, so rows claimed for it can be adopted. */
  readonly owner = randomUUID();

  constructor(private readonly opts: OutboxRunnerOptions) {
    this.idleMs = opts.idleMs ?? 250;
  }

  /** How to claim rows for this runner (a group flush claims the rows it enqueued). */
  claimContext(): ClaimContext {
    return {
      dialect: this.opts.store.dialect,
      channels: this.opts.channels,
      owner: this.owner,
      leaseMs: this.opts.leaseMs ?? DEFAULT_LEASE_MS,
    };
  }

  /**
   * Sends rows already claimed for this runner (`claimContext`), committed by their claimer: the
   * pass in progress takes them, or else the next one starts with them at once. Rows a stopped
   * runner is given are sent by its last pass; if the process dies first, their lease expires and
   * any pass sends them then.
   */
  adopt(rows: readonly Claimed[]): void {
    if (rows.length === 0 || this.adoptInto?.(rows)) return;
    this.adopted.push(...rows);
    this.poke();
  }

  /** One pass now (tests call it after moving a FakeClock). */
  runOnce(): Promise<OutboxPassResult> {
    const o = this.opts;
    return runOutboxPass({
      store: o.store,
      channels: o.channels,
      clock: o.clock,
      owner: this.owner,
      adopted: this.adopted.splice(0),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
      ...(o.retry ? { retry: o.retry } : {}),
      ...(o.random ? { random: o.random } : {}),
      onRunning: (topUp, adopt) => {
        this.topUp = topUp;
        this.adoptInto = adopt;
      },
    }).finally(() => {
      this.topUp = undefined;
      this.adoptInto = undefined;
    });
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

  /** Stops after the pass in progress finishes (and one more for rows adopted meanwhile). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    if (this.adopted.length > 0) await this.runOnce().catch(() => undefined);
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
