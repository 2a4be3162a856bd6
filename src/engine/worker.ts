import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { plan, runPlans } from '../store/batch.ts';
import { claimDueJobsPlan, completeJob, completeJobsPlan, failJob, nextDueAtPlan, type Job } from './jobs.ts';

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
    return (await this.pass(false)).ran;
  }

  /**
   * Claims and runs due jobs until none are left. Batched jobs are marked done in the same message
   * to the store as the next claim, and with `peek` the last (empty) claim also reads when the next
   * job is due: under load each message waits its turn, so a flush due now is not kept waiting
   * behind two more (docs/adr/0014-statement-batches.md).
   */
  private async pass(peek: boolean): Promise<{ ran: number; nextAt: number | undefined }> {
    const db = this.store.db;
    let ran = 0;
    let finished: { jobs: Job[]; at: number } = { jobs: [], at: 0 };
    for (;;) {
      const now = this.clock.now();
      const [, jobs, nextAt] = await runPlans(
        db,
        completeJobsPlan(db, finished.jobs, this.id, finished.at),
        claimDueJobsPlan(db, this.store.dialect, this.id, now, this.leaseMs),
        peek ? nextDueAtPlan(db) : plan([], () => undefined),
      );
      finished = { jobs: [], at: 0 };
      if (jobs.length === 0) return { ran, nextAt };
      const batched = new Map<string, Job[]>();
      for (const job of jobs) {
        if (this.handlers[job.kind]?.batch) {
          const list = batched.get(job.kind) ?? [];
          list.push(job);
          batched.set(job.kind, list);
          continue;
        }
        await this.runOne(job);
        ran++;
      }
      for (const [kind, list] of batched) {
        if (await this.runBatch(kind, list)) finished.jobs.push(...list);
        ran += list.length;
      }
      finished.at = this.clock.now();
    }
  }

  /** Runs a batch; true when its jobs are to be marked done (false: they ran one by one instead). */
  private async runBatch(kind: string, jobs: Job[]): Promise<boolean> {
    const handler = this.handlers[kind];
    try {
      await handler?.batch?.(jobs, { store: this.store, now: this.clock.now() });
      return true;
    } catch (err) {
      this.opts.logger?.warn(
        { kind, jobs: jobs.length, err: err instanceof Error ? err.message : String(err) },
        'batch failed; running jobs one by one',
      );
      for (const job of jobs) await this.runOne(job);
      return false;
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
      const { nextAt: next } = await this.pass(true);
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
