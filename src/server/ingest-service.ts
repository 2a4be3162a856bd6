import type { Alert } from '../alerts/alert.ts';
import { ingestAlerts, type IngestOutcome } from '../ingest/ingest.ts';
import type { AppContext } from './context.ts';

/**
 * Commits a batch of alerts (and the incident changes they cause) in one transaction and only
 * then returns, so an HTTP 2xx is sent only for alerts that are durable.
 */
export async function commitAlerts(
  ctx: AppContext,
  alerts: readonly Alert[],
  source: string,
): Promise<IngestOutcome | undefined> {
  if (alerts.length === 0) return undefined;
  const now = ctx.clock.now();
  const outcome = await ctx.store.db.transaction().execute((trx) =>
    ingestAlerts(trx, alerts, now, {
      group: ctx.group,
      tree: ctx.loaded.pipeline.tree,
      hooks: ctx.hooks,
      autoResolve: ctx.loaded.config.incidents.auto_resolve,
    }),
  );
  ctx.metrics.alertsReceived.inc({ source, outcome: 'accepted' }, alerts.length);
  if (outcome.opened.length > 0) {
    ctx.metrics.incidentsOpened.inc(outcome.opened.length);
    for (const inc of outcome.opened)
      ctx.logger.info({ incident: inc.key, title: inc.title, severity: inc.severity }, 'incident opened');
  }
  ctx.worker?.poke();
  return outcome;
}
