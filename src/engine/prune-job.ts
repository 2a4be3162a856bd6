import type { Store } from '../store/store.ts';
import type { Db } from '../store/db.ts';
import { yieldToEventLoop } from '../shared/event-loop.ts';
import { scheduleJob } from './jobs.ts';
import type { JobHandler } from './worker.ts';

/** A recurring pass that deletes rows past their retention, with one job row it re-arms. */
export interface PruneJob {
  kind: string;
  /** The one job row every pass reuses, so the job table does not grow. */
  key: string;
  /** How often a pass runs (on slots aligned to this period). */
  everyMs: number;
  /** Rows deleted per statement (each its own short transaction). */
  chunk: number;
  /** At most this many per pass; a pass that reaches it is followed by another a second later. */
  maxPerPass: number;
}

/** The next regular slot after `now`. */
function nextSlot(job: PruneJob, now: number): number {
  return (Math.floor(now / job.everyMs) + 1) * job.everyMs;
}

/**
 * The handler of a prune pass: `prune(store, limit, now)` deletes up to `limit` rows and returns
 * how many. A pass deletes in statements of `chunk` rows, letting other work run in between, until
 * one deletes fewer; then it re-arms its job row for the next slot. A pass that fails is retried by
 * the job table like any job.
 */
export function pruneJobHandler(
  job: PruneJob,
  prune: (store: Store, limit: number, now: number) => Promise<number>,
): JobHandler {
  return async (_job, { store, now }) => {
    let done = 0;
    let n = job.chunk;
    while (n === job.chunk && done < job.maxPerPass) {
      n = await prune(store, job.chunk, now);
      done += n;
      await yieldToEventLoop();
    }
    const at = done >= job.maxPerPass ? now + 1000 : nextSlot(job, now);
    await scheduleJob(store.db, { kind: job.kind, key: job.key, runAt: at }, now, 'replace');
  };
}

/** Arms the first pass at start (the regular slot after `now`), unless one is already pending. */
export async function startPruneJob(db: Db, job: PruneJob, now: number): Promise<void> {
  await scheduleJob(db, { kind: job.kind, key: job.key, runAt: nextSlot(job, now) }, now, 'keep');
}
