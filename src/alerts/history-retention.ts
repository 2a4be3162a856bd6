import { pruneJobHandler, startPruneJob, type PruneJob } from '../engine/prune-job.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { Db } from '../store/db.ts';

/** The job kind of a pass that deletes old versions from the alert history. */
const HISTORY_PRUNE_JOB = 'alerts.prune_history';

/** The one job row the passes reuse (re-armed by each pass, so the job table does not grow). */
export const HISTORY_PRUNE_KEY = 'alerts-history-prune';

/** How often a pass runs. */
export const HISTORY_PRUNE_EVERY_MS = 5 * 60_000;
/** Rows deleted per statement (each its own short transaction). */
const CHUNK = 2000;
/** At most this many per pass; a pass that reaches it is followed by another a second later. */
const MAX_PER_PASS = 100_000;

/**
 * Deletes, among the `limit` oldest versions in the alert history, those received before
 * `before`; returns how many. The history is appended in id order, so its oldest rows come first:
 * a statement looks at those only and never reads the newer rest of the table (there is no index
 * on the receipt time, which every ingested alert would have to write). Receipt times follow ids
 * closely but not exactly (a storm's deferred alerts keep their receipt time), so a pass may stop
 * a few seconds' worth of rows early; the next pass takes them.
 */
export async function pruneAlertHistory(db: Db, before: number, limit: number): Promise<number> {
  const res = await db
    .deleteFrom('alert_events')
    .where('id', 'in', (eb) => eb.selectFrom('alert_events').select('id').orderBy('id').limit(limit))
    .where('received_at', '<', before)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

const PRUNE: PruneJob = {
  kind: HISTORY_PRUNE_JOB,
  key: HISTORY_PRUNE_KEY,
  everyMs: HISTORY_PRUNE_EVERY_MS,
  chunk: CHUNK,
  maxPerPass: MAX_PER_PASS,
};

/** How long the history is kept: `server.alert_history_retention`, and what flap detection reads. */
export interface HistoryRetention {
  /** `server.alert_history_retention` in ms; 0 keeps the history forever. */
  retentionMs: number;
  /** The history flap detection reads back (its window and settle time), kept whatever the setting. */
  keepAtLeastMs: number;
}

/**
 * History retention (`server.alert_history_retention`): every version of an alert that changed
 * something is a row in `alert_events`, and a long-running server adds rows for as long as it
 * runs, while the alerts themselves, their incidents and timelines stay. Every five minutes a pass
 * deletes the versions older than the retention (never those flap detection still reads), in
 * short statements that let other work in between, and re-arms its own job row for the next slot.
 */
export function historyRetentionHandlers(r: HistoryRetention): Record<string, JobHandler> {
  const keepMs = Math.max(r.retentionMs, r.keepAtLeastMs);
  return {
    // Retention turned off since the job was armed: nothing to delete, and no next pass.
    [HISTORY_PRUNE_JOB]:
      r.retentionMs > 0
        ? pruneJobHandler(PRUNE, (store, limit, now) => pruneAlertHistory(store.db, now - keepMs, limit))
        : async () => undefined,
  };
}

/** Arms the first pass at start (the regular slot after `now`) when the history has a retention. */
export async function startHistoryRetention(db: Db, now: number, r: HistoryRetention): Promise<void> {
  if (r.retentionMs > 0) await startPruneJob(db, PRUNE, now);
}
