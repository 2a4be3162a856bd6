import { pruneJobHandler, startPruneJob, type PruneJob } from '../engine/prune-job.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import { notifyDb } from './outbox-tables.ts';

/** The job kind of a pass that deletes the payloads of finished notifications. */
const PAYLOAD_PRUNE_JOB = 'notify.prune_payloads';

/** How often a pass runs. */
export const PAYLOAD_PRUNE_EVERY_MS = 5 * 60_000;
/** Payloads deleted per statement (each its own short transaction). */
const CHUNK = 2000;
/** At most this many per pass; a pass that reaches it is followed by another a second later. */
const MAX_PER_PASS = 100_000;

const FINISHED = ['delivered', 'failed', 'cancelled'] as const;

/**
 * Deletes the payloads of up to `limit` notifications that finished (delivered, failed for good,
 * or cancelled) before `before`, oldest first; returns how many. A finished notification's payload
 * is never read again (a fallback is a row with its own payload), while the row itself stays: it
 * is the delivery log and the page log that the on-call report reads.
 */
export async function prunePayloads(store: Store, before: number, limit: number): Promise<number> {
  const res = await notifyDb(store)
    .deleteFrom('notify_payloads')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('notify_payloads as p')
        .innerJoin('notify_outbox as o', 'o.id', 'p.id')
        .select('p.id')
        .where('o.status', 'in', [...FINISHED])
        .where('o.finished_at', '<', before)
        .orderBy('p.id')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The one job row the passes reuse (re-armed by each pass, so the job table does not grow). */
export const PAYLOAD_PRUNE_KEY = 'notify-prune';

const PRUNE: PruneJob = {
  kind: PAYLOAD_PRUNE_JOB,
  key: PAYLOAD_PRUNE_KEY,
  everyMs: PAYLOAD_PRUNE_EVERY_MS,
  chunk: CHUNK,
  maxPerPass: MAX_PER_PASS,
};

/**
 * Payload retention (`notifications.payload_retention`): a group notification carries its whole
 * group, tens of kilobytes, and under a steady 1,000 alerts/s hundreds of them a second were kept
 * forever. Every five minutes a pass deletes the payloads of notifications finished longer ago
 * than the retention, in short statements that let other work in between, and re-arms its own job
 * row for the next slot (a pass that fails is retried by the job table like any job).
 */
export function payloadRetentionHandlers(retentionMs: number): Record<string, JobHandler> {
  return {
    [PAYLOAD_PRUNE_JOB]: pruneJobHandler(PRUNE, (store, limit, now) =>
      prunePayloads(store, now - retentionMs, limit),
    ),
  };
}

/** Arms the first pass at start (the regular slot after `now`), unless one is already pending. */
export function startPayloadRetention(db: Db, now: number): Promise<void> {
  return startPruneJob(db, PRUNE, now);
}
