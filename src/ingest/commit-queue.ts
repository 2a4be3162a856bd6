import type { GroupedAlerts } from './alert-batch.ts';
import { VigilError } from '../shared/errors.ts';

/**
 * Commits the batches of several requests together; `requests` is how many requests share it (a
 * request alone in its commit had no concurrent traffic).
 */
export type CommitFn<R> = (batches: readonly GroupedAlerts[], requests: number) => Promise<R>;

interface Waiting<R> {
  alerts: GroupedAlerts;
  resolve: (o: R) => void;
  reject: (e: unknown) => void;
}

/** Limits of the commit queue. */
export interface CommitQueueOptions {
  /** Most alerts merged into one transaction (default 4096). */
  maxBatch?: number;
  /** Alerts allowed to wait; beyond this new requests are refused with `overloaded` (default 50,000). */
  maxQueued?: number;
}

/**
 * Group commit: requests that arrive while a transaction is running wait and are committed
 * together in the next one, so the cost of a commit is shared by every request in it instead of
 * paid per request. Each request still gets its answer only after the transaction holding its
 * alerts has committed. When too many alerts are waiting, new requests are refused at once with
 * `overloaded` (HTTP 503 with Retry-After) instead of letting memory grow without bound; the sender
 * (Prometheus, Alertmanager) retries.
 */
export class CommitQueue<R> {
  private readonly waiting: Waiting<R>[] = [];
  private queued = 0;
  private draining = false;
  private readonly maxBatch: number;
  private readonly maxQueued: number;

  constructor(
    private readonly commit: CommitFn<R>,
    opts: CommitQueueOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 4096;
    this.maxQueued = opts.maxQueued ?? 50_000;
  }

  /** Alerts waiting for a transaction (for /metrics and tests). */
  get depth(): number {
    return this.queued;
  }

  /** Queues a request's alerts for the next commit; resolves once they are committed. */
  submit(alerts: GroupedAlerts): Promise<R> {
    if (this.queued + alerts.count > this.maxQueued) {
      return Promise.reject(
        new VigilError(
          'overloaded',
          `vigil is busy (${this.queued} alerts waiting to be stored); retry shortly`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ alerts, resolve, reject });
      this.queued += alerts.count;
      if (!this.draining) {
        // Start on the next turn of the event loop, so every request whose body arrived in the
        // same I/O phase joins this transaction (SQLite work never yields to I/O mid-transaction).
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch: Waiting<R>[] = [];
        let n = 0;
        while (
          this.waiting.length > 0 &&
          (batch.length === 0 || n + (this.waiting[0]?.alerts.count ?? 0) <= this.maxBatch)
        ) {
          const w = this.waiting.shift() as Waiting<R>;
          batch.push(w);
          n += w.alerts.count;
        }
        this.queued -= n;
        try {
          const outcome = await this.commit(
            batch.map((w) => w.alerts),
            batch.length,
          );
          for (const w of batch) w.resolve(outcome);
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
