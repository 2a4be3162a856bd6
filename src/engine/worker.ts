import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { claimDueJobs, completeJob, completeJobs, failJob, nextDueAt, type Job } from './jobs.ts';

/** Runs one kind of job. It must be idempotent: after a crash the same job may run again. */
export type JobHandler = ((job: Job, ctx: { store: Store; now: number }) => Promise<void>) & {
  /**
   * Optional: runs many due jobs of this kind at once (e.g. one transaction for every group
   * flush that is due). If it throws, the jobs are retried one by one with the plain handler.
   */
  batch?: (jobs: readonly Job[], ctx: { store: Store; now: number }) => Promise<void>;
};

/** Tunables of the worker. */
export interface WorkerOptions {
  /** How long a claim lasts before another worker may take the job over (default 60 s). */
  leaseMs?: number;
  /** Longest sleep between passes, which bounds timer lateness (default 250 ms). */
  maxIdleMs?: number;
  /** Attempts before a failing job is parked as `failed` (default 10). */
  maxAttempts?: number;
  logger?: Logger;
  workerId?: string;
}

/**
 * The engine's worker: each pass claims due jobs from the durable job table, runs their handler
 * and records the outcome. All timing state is in the table, so a restart loses nothing: jobs
 * whose worker died mid-run are claimed again once their lease expires.
 */
export class Worker {
  readonly id: string;
  private readonly leaseMs: number;
  private readonly maxIdleMs: number;
  private readonly maxAttempts: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly handlers: Record<string, JobHandler>,
    private readonly opts: WorkerOptions = {},
  ) {
    this.id = opts.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.maxIdleMs = opts.maxIdleMs ?? 250;
    this.maxAttempts = opts.maxAttempts ?? 10;
  }

  /** Registers a handler for a kind of job (used by domains that start after the worker). */
  on(kind: string, handler: JobHandler): void {
    this.handlers[kind] = handler;
  }

  /**
   * One pass: claims everything due now and runs it in due order. Returns how many jobs ran.
   * Tests call this directly after moving a FakeClock.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const jobs = await claimDueJobs(this.store.db, this.store.dialect, this.id, now, this.leaseMs);
      if (jobs.length === 0) return total;
      const batched = new Map<string, Job[]>();
      for (const job of jobs) {
        if (this.handlers[job.kind]?.batch) {
          const list = batched.get(job.kind) ?? [];
          list.push(job);
          batched.set(job.kind, list);
          continue;
        }
        await this.runOne(job);
        total++;
      }
      for (const [kind, list] of batched) {
        await this.runBatch(kind, list);
        total += list.length;
      }
    }
  }

  private async runBatch(kind: string, jobs: Job[]): Promise<void> {
    const handler = this.handlers[kind];
    try {
      await handler?.batch?.(jobs, { store: this.store, now: this.clock.now() });
      await completeJobs(this.store.db, jobs, this.id, this.clock.now());
    } catch (err) {
      this.opts.logger?.warn(
        { kind, jobs: jobs.length, err: err instanceof Error ? err.message : String(err) },
        'batch failed; running jobs one by one',
      );
      for (const job of jobs) await this.runOne(job);
    }
  }

  private async runOne(job: Job): Promise<void> {
    const handler = this.handlers[job.kind];
    const now = this.clock.now();
    if (!handler) {
      await failJob(
        this.store.db,
        job,
        this.id,
        `no handler for job kind ${job.kind}`,
        now + 60_000,
        this.maxAttempts,
        now,
      );
      return;
    }
    try {
      await handler(job, { store: this.store, now });
      await completeJob(this.store.db, job, this.id, this.clock.now());
    } catch (err) {
      const backoff = Math.min(300_000, 1000 * 2 ** Math.min(job.attempts, 8));
      const message = err instanceof Error ? err.message : String(err);
      this.opts.logger?.warn(
        { job: job.key, kind: job.kind, attempts: job.attempts, err: message },
        'job failed; will retry',
      );
      await failJob(
        this.store.db,
        job,
        this.id,
        message,
        this.clock.now() + backoff,
        this.maxAttempts,
        this.clock.now(),
      );
    }
  }

  /** Starts passing in the background on the real clock (the server's shell). */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a pass soon (e.g. after scheduling a job due now). */
  poke(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.loop().finally(() => {
        this.running = undefined;
      });
    }, delay);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.runDue();
      const next = await nextDueAt(this.store.db);
      const wait =
        next === undefined ? this.maxIdleMs : Math.max(0, Math.min(this.maxIdleMs, next - this.clock.now()));
      if (!this.stopped) this.schedule(wait);
    } catch (err) {
      this.opts.logger?.error({ err }, 'worker pass failed');
      if (!this.stopped) this.schedule(this.maxIdleMs);
    }
  }

  /** Stops after the pass in progress finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
