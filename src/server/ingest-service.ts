import type { Alert } from '../alerts/alert.ts';
import { CommitQueue } from '../ingest/commit-queue.ts';
import { ingestAlerts, type IngestOutcome } from '../ingest/ingest.ts';
import { ingestOptionsFor } from '../ingest/options.ts';
import type { AppContext } from './context.ts';

const queues = new WeakMap<AppContext, CommitQueue>();

function queueOf(ctx: AppContext): CommitQueue {
  let q = queues.get(ctx);
  if (!q) {
    q = new CommitQueue((alerts) => {
      const now = ctx.clock.now();
      return ctx.store.db
        .transaction()
        .execute((trx) =>
          ingestAlerts(trx, alerts, now, { ...ingestOptionsFor(ctx.loaded, ctx.hooks), group: ctx.group }),
        );
    }, ctx.loaded.config.server.ingest_queue);
    queues.set(ctx, q);
  }
  return q;
}

/**
 * Commits a batch of alerts (and the incident changes they cause) and only then returns, so an
 * HTTP 2xx is sent only for alerts that are durable. Concurrent requests share one transaction
 * (group commit). Under overload the request is refused with `overloaded` before anything is
 * queued, so nothing acknowledged is ever dropped.
 */
export async function commitAlerts(
  ctx: AppContext,
  alerts: readonly Alert[],
  source: string,
): Promise<IngestOutcome | undefined> {
  if (alerts.length === 0) return undefined;
  const outcome = await queueOf(ctx).submit(alerts);
  ctx.metrics.alertsReceived.inc({ source, outcome: 'accepted' }, alerts.length);
  // The commit may have held other requests' alerts too: report the incidents of this request's groups.
  let opened = outcome.opened;
  if (opened.length > 0) {
    const mine = new Set(alerts.map((a) => ctx.group(a.labels).key));
    opened = opened.filter((i) => mine.has(i.groupKey));
    ctx.metrics.incidentsOpened.inc(opened.length);
    for (const inc of opened)
      ctx.logger.info({ incident: inc.key, title: inc.title, severity: inc.severity }, 'incident opened');
  }
  ctx.worker?.poke();
  return { ...outcome, opened };
}

/** Alerts waiting for their transaction (exported as a gauge). */
export function ingestQueueDepth(ctx: AppContext): number {
  return queues.get(ctx)?.depth ?? 0;
}
