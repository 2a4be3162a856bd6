import { randomUUID } from 'node:crypto';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import { parseStoredPayload, type Channel, type ChannelPayload } from './channels/index.ts';
import { claimHeads, dueHeads, loadPayloads, type Claimed } from './outbox-claim.ts';
import { recordOutcomes, type RecordContext, type SendResult } from './outbox-record.ts';
import { notifyDb } from './outbox-tables.ts';
import { httpClient } from './http-client.ts';
import type { DeliveryOutcome, FetchLike } from './types.ts';

/**
 * Sends in flight at once by default, each to a different destination (a destination never has
 * more than one). Like Alertmanager, which notifies every aggregation group on its own, groups due
 * together go out together: with 16, a storm's hundreds of first notifications went out in waves
 * of 16 (first-notification p50 at 1,000 alerts/s: 234–284 ms; with 64: 151–198 ms). A crash
 * repeats at most this many sends.
 */
export const SEND_CONCURRENCY = 64;

/** How long a claim is held before another pass may take it over. */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Most payload bytes one pass claims (at least one row): a group notification carries its whole
 * group, and a pass that held hundreds of large ones at once made most of a burst's peak heap.
 */
const PASS_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** The leading rows whose payloads fit in `budget` bytes (always the first). */
function withinBytes<T extends { payload_size: number }>(rows: readonly T[], budget: number): T[] {
  let bytes = 0;
  let n = 0;
  for (const r of rows) {
    bytes += Number(r.payload_size);
    if (n > 0 && bytes > budget) break;
    n++;
  }
  return rows.slice(0, n);
}

/** What one outbox pass needs. Everything stateful is in the store; nothing is kept between passes. */
export interface OutboxPassOptions {
  store: Store;
  /** Configured channels by id. */
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  /** HTTP client (global fetch by default; tests inject a loopback-only one). */
  fetch?: FetchLike;
  /** Identifies this pass's leases; unique per call by default. */
  owner?: string;
  /** Randomness for jitter (Math.random by default). */
  random?: () => number;
  /** How long a claim is held before another pass may take it over (default 60 s). */
  leaseMs?: number;
  retry?: RetryPolicy;
  /** Most rows claimed, and so sent, in one pass (default 1000). */
  maxSends?: number;
  /** Most sends in flight at once, each to a different destination (default SEND_CONCURRENCY). */
  concurrency?: number;
  /** Most payload bytes one claim takes, at least one row (default 8 MiB; see PASS_PAYLOAD_BYTES). */
  maxPayloadBytes?: number;
  /**
   * Called once the pass is sending, with a function that asks it to claim what became due since
   * (new notifications were enqueued): the runner calls it on a poke, so new messages start as soon
   * as there is room instead of after every send of the pass in progress has finished; and one
   * that hands it rows claimed elsewhere with its owner (`adopted`), false once it has finished.
   */
  onRunning?: (topUp: () => void, adopt: (rows: readonly Claimed[]) => boolean) => void;
  /**
   * Rows already claimed with this pass's `owner` (by the group flush that enqueued them, in its
   * own transaction): sent first, without a claim of their own.
   */
  adopted?: readonly Claimed[];
}

/** What a pass did. */
export interface OutboxPassResult {
  sent: number;
  delivered: number;
  retrying: number;
  failed: number;
  fallbacks: number;
}

/**
 * Claims due notifications, sends them and records the outcome — one idempotent pass, safe to
 * run again at any time, after a crash, or from several processes at once:
 *
 * - Each destination is a queue: only its head (oldest due, unfinished row) is ever sent, so order
 *   is kept per destination; a head waiting for its retry blocks only its own destination.
 * - The heads of all due destinations are read in one query and claimed in one transaction
 *   (pacing slots, Retry-After pauses, leases); up to `concurrency` sends run at once, so a slow
 *   or dead endpoint (bounded by the channel timeout) never delays the others.
 * - Outcomes that complete in the same event-loop turn are recorded together in one transaction,
 *   which also claims the next head of each destination that finished (its chain continues in
 *   this pass, one message in flight per destination). Recording never waits for other sends.
 * - A claim is a lease in the row (`status = sending`, `lease_until`); a crashed pass's rows become
 *   claimable again when the lease expires, and are sent again — the "at most one duplicate" for
 *   the sends in flight. A claimed row that could not start its send well within its lease is
 *   released unsent.
 * - 5xx / timeouts / connection errors back off exponentially with full jitter; 429 honours
 *   Retry-After (and pauses the destination); other 4xx fail permanently and go to the fallback.
 */
export async function runOutboxPass(opts: OutboxPassOptions): Promise<OutboxPassResult> {
  const ctx: RecordContext = {
    dialect: opts.store.dialect,
    channels: opts.channels,
    owner: opts.owner ?? randomUUID(),
    leaseMs: opts.leaseMs ?? DEFAULT_LEASE_MS,
    retry: opts.retry ?? DEFAULT_RETRY,
    random: opts.random ?? Math.random,
  };
  const maxSends = opts.maxSends ?? 1000;
  const pass = new Pass(opts, ctx, maxSends);
  const first =
    opts.adopted && opts.adopted.length > 0
      ? [...opts.adopted]
      : maxSends > 0
        ? await claimDue(pass, opts.clock.now(), maxSends)
        : [];
  return first.length > 0 ? pass.run(first) : pass.result;
}

/**
 * Finds due heads, claims up to `limit` of them and reads their payloads, in one transaction: one
 * wait for the connection, and sending never waits for the store (only recording does).
 */
function claimDue(pass: Pass, now: number, limit: number): Promise<Claimed[]> {
  return notifyDb(pass.opts.store)
    .transaction()
    .execute(async (trx) => {
      const heads = withinBytes(
        await dueHeads(trx, now, limit),
        pass.opts.maxPayloadBytes ?? PASS_PAYLOAD_BYTES,
      );
      if (heads.length === 0) return [];
      const claimed = await claimHeads(trx, pass.ctx, heads, now, limit);
      pass.preload(
        await loadPayloads(
          trx,
          claimed.map((c) => c.row.id),
        ),
      );
      return claimed;
    });
}

/**
 * One pass's sends and records: a queue of claimed rows, at most `concurrency` sends in flight,
 * and a recorder that flushes every outcome gathered so far on the next event-loop turn (one
 * transaction per flush, one flush at a time; outcomes arriving meanwhile go into the next).
 */
class Pass {
  readonly result: OutboxPassResult = { sent: 0, delivered: 0, retrying: 0, failed: 0, fallbacks: 0 };
  private readonly queue: Claimed[] = [];
  private readonly finished: SendResult[] = [];
  private readonly released: Claimed[] = [];
  /**
   * Payloads of rows still to send: the claimed rows' (read in the claiming transaction), and those
   * of follow-ons claimed while recording, loaded up to two waves ahead (`prefetch`).
   */
  private readonly payloads = new Map<number, string>();
  private loading = false;
  /** A top-up was asked for (`topUp`) and not yet taken; `topping` while its claim runs. */
  private toppingWanted = false;
  private topping = false;
  readonly concurrency: number;
  private readonly fetch: FetchLike;
  private active = 0;
  private claimed = 0;
  private flush: 'idle' | 'scheduled' | 'running' = 'idle';
  private failure: { error: unknown } | undefined;
  private settle: { resolve: (r: OutboxPassResult) => void; reject: (e: unknown) => void } | undefined;

  constructor(
    readonly opts: OutboxPassOptions,
    readonly ctx: RecordContext,
    private readonly maxSends: number,
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? SEND_CONCURRENCY);
    this.fetch = opts.fetch ?? httpClient;
  }

  /** Payloads already read (the claimed rows', read in the claiming transaction). */
  preload(payloads: ReadonlyMap<number, string>): void {
    for (const [id, p] of payloads) this.payloads.set(id, p);
  }

  run(first: readonly Claimed[]): Promise<OutboxPassResult> {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.claimed = first.length;
      this.take(first);
      this.opts.onRunning?.(
        () => this.topUp(),
        (rows) => this.adopt(rows),
      );
      this.pump();
    });
  }

  /** Queues claimed rows, keeping the payloads that came with them (no read before their send). */
  private take(rows: readonly Claimed[]): void {
    for (const c of rows) if (c.payload !== undefined) this.payloads.set(c.row.id, c.payload);
    this.queue.push(...rows);
  }

  /** Takes rows claimed elsewhere with this pass's owner; false once the pass has finished. */
  adopt(rows: readonly Claimed[]): boolean {
    if (!this.settle || this.failure) return false;
    this.claimed += rows.length;
    this.take(rows);
    this.pump();
    return true;
  }

  /** Asks the running pass to claim what became due (taken once fewer than a wave wait to be sent). */
  topUp(): void {
    if (!this.settle) return;
    this.toppingWanted = true;
    this.maybeTopUp();
  }

  private maybeTopUp(): void {
    const budget = this.maxSends - this.claimed;
    if (!this.toppingWanted || this.topping || this.failure || budget <= 0) return;
    if (this.queue.length >= this.concurrency) return;
    this.toppingWanted = false;
    this.topping = true;
    void claimDue(this, this.opts.clock.now(), budget)
      .then((more) => {
        this.claimed += more.length;
        this.queue.push(...more);
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.topping = false;
        this.pump();
      });
  }

  /**
   * Starts sends while there is room and the next row's payload is loaded; a row whose lease would
   * not cover its send is released.
   */
  private pump(): void {
    while (!this.failure && this.active < this.concurrency) {
      const next = this.queue[0];
      if (!next || !this.payloads.has(next.row.id)) break;
      const c = this.queue.shift() as Claimed;
      const startedAt = this.opts.clock.now();
      const timeoutMs = this.opts.channels.get(c.row.channel_id)?.timeoutMs ?? 0;
      if (startedAt > c.claimedAt + Math.max(0, this.ctx.leaseMs - timeoutMs) / 2) {
        this.payloads.delete(c.row.id);
        this.released.push(c);
        c.done?.();
        this.scheduleFlush();
        continue;
      }
      this.active++;
      this.result.sent++;
      void this.send(c).then((outcome) => {
        this.active--;
        c.done?.();
        this.finished.push({ claimed: c, outcome, startedAt });
        this.scheduleFlush();
        this.pump();
      });
    }
    this.prefetch();
    this.maybeTopUp();
    this.settleIfDone();
  }

  /** Loads the payloads of the next rows (two waves of `concurrency`) that have none yet. */
  private prefetch(): void {
    if (this.loading || this.failure) return;
    const want = this.queue.slice(0, 2 * this.concurrency).filter((c) => !this.payloads.has(c.row.id));
    if (want.length === 0) return;
    this.loading = true;
    void this.load(want.map((c) => c.row.id));
  }

  private async load(ids: readonly number[]): Promise<void> {
    try {
      const got = await loadPayloads(notifyDb(this.opts.store), ids);
      // A row whose payload is gone is sent as missing (a permanent failure), not retried forever.
      for (const id of ids) this.payloads.set(id, got.get(id) ?? '');
    } catch (error) {
      this.fail(error);
    } finally {
      this.loading = false;
      this.pump();
    }
  }

  private async send(c: Claimed): Promise<DeliveryOutcome> {
    const row = c.row;
    const stored = this.payloads.get(row.id) ?? '';
    this.payloads.delete(row.id);
    const channel = this.opts.channels.get(row.channel_id);
    if (!channel) return { kind: 'permanent', error: `channel ${row.channel_id} is not configured` };
    let payload: ChannelPayload;
    try {
      payload = parseStoredPayload(stored);
    } catch {
      return { kind: 'permanent', error: 'stored payload is not valid JSON' };
    }
    try {
      return await channel.send(payload, row.target ?? undefined, {
        fetch: this.fetch,
        timeoutMs: channel.timeoutMs,
        now: this.opts.clock.now(),
        key: row.key,
        ref: c.ref,
      });
    } catch (err) {
      // Adapters never throw by contract; if one does, the attempt is logged and retried.
      return { kind: 'retryable', error: `send failed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private scheduleFlush(): void {
    if (this.flush !== 'idle') return;
    this.flush = 'scheduled';
    setImmediate(() => void this.record());
  }

  /** Records everything gathered so far in one transaction; queues the follow-on heads it claimed. */
  private async record(): Promise<void> {
    this.flush = 'running';
    const finished = this.finished.splice(0);
    const released = this.released.splice(0);
    const budget = this.failure ? 0 : this.maxSends - this.claimed;
    const now = this.opts.clock.now();
    try {
      const r = await notifyDb(this.opts.store)
        .transaction()
        .execute((trx) => recordOutcomes(trx, this.ctx, finished, released, now, budget));
      this.result.delivered += r.delivered;
      this.result.retrying += r.retrying;
      this.result.failed += r.failed;
      this.result.fallbacks += r.fallbacks;
      this.claimed += r.followOns.length;
      this.queue.push(...r.followOns);
    } catch (error) {
      this.fail(error);
    } finally {
      this.flush = 'idle';
      if (this.finished.length > 0 || this.released.length > 0) this.scheduleFlush();
      this.pump();
    }
  }

  /**
   * The store failed (a claim, a payload read or a record): send nothing more, give back what was
   * not sent (best effort, else the leases expire) and record what is still in flight; the pass
   * then fails.
   */
  private fail(error: unknown): void {
    this.failure ??= { error };
    const dropped = this.queue.splice(0);
    for (const c of dropped) c.done?.();
    this.released.push(...dropped);
    this.scheduleFlush();
  }

  private settleIfDone(): void {
    const busy =
      this.loading ||
      this.topping ||
      this.active > 0 ||
      this.queue.length > 0 ||
      this.flush !== 'idle' ||
      this.finished.length > 0 ||
      this.released.length > 0;
    if (busy || !this.settle) return;
    const { resolve, reject } = this.settle;
    this.settle = undefined;
    if (this.failure) reject(this.failure.error);
    else resolve(this.result);
  }
}
