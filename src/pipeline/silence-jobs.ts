import { listAlerts } from '../alerts/alert-store.ts';
import { scheduleJob } from '../engine/jobs.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { Db } from '../store/db.ts';
import { EXPIRE_ON_RESOLVE_JOB, expireOnResolveKey, expireSilenceById, getSilence } from './silence-store.ts';
import { silenceMatches, silenceState, silencesToExpireOnResolve } from './silences.ts';

/**
 * Longest wait between two checks of an `expireOnResolve` silence. Resolution by time passing is
 * checked exactly at the alert's endsAt; an explicit resolve (a POST with endsAt = now) or a new
 * matching alert is noticed within this bound, without ingest having to know about silences.
 */
export const EXPIRE_ON_RESOLVE_POLL_MS = 15_000;

/** What one check decided: the silence expired, the next check time, or nothing more to do. */
export type ExpireOnResolveOutcome =
  { kind: 'expired' } | { kind: 'recheck'; at: number } | { kind: 'done'; reason: string };

/**
 * One check of an `expireOnResolve` silence at `now`: when a matched alert has resolved and no
 * matched alert still fires, the silence is expired (`silencesToExpireOnResolve`); otherwise the
 * next check is due at the earliest of: the end of a matching alert, the poll bound, the silence's
 * own end (or its start, while pending). Idempotent; call it inside a transaction.
 */
export async function checkExpireOnResolve(
  db: Db,
  silenceId: string,
  now: number,
): Promise<ExpireOnResolveOutcome> {
  const s = await getSilence(db, silenceId);
  if (!s) return { kind: 'done', reason: 'silence not found' };
  if (!s.expireOnResolve) return { kind: 'done', reason: 'expire_on_resolve is off' };
  const state = silenceState(s, now);
  if (state === 'expired') return { kind: 'done', reason: 'silence already expired' };
  if (state === 'pending') return { kind: 'recheck', at: s.startsAt };
  const alerts = (await listAlerts(db)).filter((a) => silenceMatches(s, a.labels));
  if (silencesToExpireOnResolve([s], alerts, now).includes(s.id)) {
    await expireSilenceById(db, s.id, now);
    return { kind: 'expired' };
  }
  let at = Math.min(now + EXPIRE_ON_RESOLVE_POLL_MS, s.endsAt);
  for (const a of alerts) if (a.endsAt > now) at = Math.min(at, a.endsAt);
  return { kind: 'recheck', at };
}

/**
 * The job handler: runs `checkExpireOnResolve` and re-arms the same job row for the next check
 * (the row is replaced while running, so the worker leaves it pending instead of done).
 */
export const expireOnResolveHandler: JobHandler = async (job, { store, now }) => {
  const id = (job.payload as { silenceId?: unknown }).silenceId;
  if (typeof id !== 'string') return;
  await store.db.transaction().execute(async (trx) => {
    const out = await checkExpireOnResolve(trx, id, now);
    if (out.kind !== 'recheck') return;
    await scheduleJob(
      trx,
      { kind: EXPIRE_ON_RESOLVE_JOB, key: expireOnResolveKey(id), runAt: out.at, payload: { silenceId: id } },
      now,
      'replace',
    );
  });
};

/** Silence job handlers by kind, to merge into the worker's handler map. */
export const silenceHandlers: Record<string, JobHandler> = {
  [EXPIRE_ON_RESOLVE_JOB]: expireOnResolveHandler,
};
