import type { IncidentHooks } from '../incidents/hooks.ts';
import { RESOLVE_CHECK_JOB, resolveCheck } from '../ingest/ingest.ts';
import type { JobHandler } from './worker.ts';

/**
 * Resolves an incident once every alert in it has ended by time passing (an alert posted
 * without a resolve, whose endsAt came and went). Idempotent: it only resolves incidents whose
 * alerts have all ended, does nothing to one already resolved, and re-arms itself at the latest
 * endsAt while alerts still fire.
 */
export function resolveCheckHandler(hooks: readonly IncidentHooks[]): JobHandler {
  return async (job, { store, now }) => {
    const id = (job.payload as { incidentId?: unknown }).incidentId;
    if (typeof id !== 'number') return;
    await store.db.transaction().execute((trx) => resolveCheck(trx, id, now, hooks));
  };
}

/** The spine's job handlers by kind. */
export function spineHandlers(hooks: readonly IncidentHooks[] = []): Record<string, JobHandler> {
  return { [RESOLVE_CHECK_JOB]: resolveCheckHandler(hooks) };
}
