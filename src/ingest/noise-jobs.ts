import { loadAlerts } from '../alerts/alert-store.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { Db } from '../store/db.ts';
import { ingestAlerts, type IngestOptions, type IngestOutcome } from './ingest.ts';

/**
 * Looks at delayed, held and flapping alerts again when their time is up, by re-running the ingest
 * transaction on their stored versions (without appending history): every noise decision is a
 * function of the stored state and `now`, so a delayed alert still firing after its delay opens or
 * joins its incident (and pages), one that resolved meanwhile is recorded as `transient`, a held
 * alert whose window closed below `min_alerts` is released to normal routing, and a flapping source
 * that settled while firing pages again. Idempotent: running it twice changes nothing more.
 */
export async function recheckNoise(
  db: Db,
  fingerprints: readonly string[],
  now: number,
  opts: IngestOptions,
): Promise<IngestOutcome | undefined> {
  const alerts = [...(await loadAlerts(db, fingerprints)).values()];
  if (alerts.length === 0) return undefined;
  return ingestAlerts(db, alerts, now, { ...opts, history: false });
}

/** The `noise.recheck` job handler; all re-checks due at once share one transaction. */
export function noiseRecheckHandler(opts: IngestOptions): JobHandler {
  const fpOf = (payload: unknown): string | undefined => {
    const fp = (payload as { fingerprint?: unknown }).fingerprint;
    return typeof fp === 'string' ? fp : undefined;
  };
  const run = async (fps: string[], db: Db, now: number): Promise<void> => {
    if (fps.length === 0) return;
    await db.transaction().execute((trx) => recheckNoise(trx, fps, now, opts));
  };
  const handler: JobHandler = async (job, { store, now }) => {
    const fp = fpOf(job.payload);
    if (fp !== undefined) await run([fp], store.db, now);
  };
  handler.batch = async (jobs, { store, now }) => {
    const fps = [...new Set(jobs.map((j) => fpOf(j.payload)).filter((f): f is string => f !== undefined))];
    await run(fps, store.db, now);
  };
  return handler;
}
