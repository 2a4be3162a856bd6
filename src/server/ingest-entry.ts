import type { GroupedAlerts } from '../ingest/alert-batch.ts';
import { BodyReader } from '../ingest/body-reader.ts';
import type { IngestOutcome } from '../ingest/ingest.ts';
import type { AppContext } from './context.ts';
import { ingestServiceOf } from './ingest-service.ts';

const readers = new WeakMap<AppContext, BodyReader>();

/** The reader of ingestion request bodies of an app (one thread per context, started on first use). */
export function bodyReaderOf(ctx: AppContext): BodyReader {
  let r = readers.get(ctx);
  if (!r) {
    r = new BodyReader({
      groupOf: (labels) => ctx.group(labels).key,
      config: { file: ctx.loaded.file, text: ctx.loaded.original },
      onFailure: (err) =>
        ctx.logger.warn({ err }, 'the reader thread failed; request bodies are read on the event loop'),
      onRead: (on) => ctx.metrics.bodiesRead.inc({ on }),
    });
    readers.set(ctx, r);
  }
  return r;
}

/** Stops an app's reader thread (when the app closes); a later read starts a new one. */
export async function closeBodyReader(ctx: AppContext): Promise<void> {
  const r = readers.get(ctx);
  readers.delete(ctx);
  await r?.close();
}

/**
 * Accepts a batch of alerts: durable before this returns, so an HTTP 2xx is sent only for alerts
 * that survive a crash. Returns the incidents this request's alerts opened when they were applied
 * before the reply (see IngestService for when that is).
 */
export async function commitAlerts(
  ctx: AppContext,
  alerts: GroupedAlerts,
  source: string,
): Promise<IngestOutcome | undefined> {
  if (alerts.count === 0) return undefined;
  const { outcome } = await ingestServiceOf(ctx).submit(alerts);
  ctx.metrics.alertsReceived.inc({ source, outcome: 'accepted' }, alerts.count);
  if (!outcome) return undefined;
  // The apply may have held other requests' alerts too: report the incidents of this request's groups.
  const mine = new Set(alerts.groups);
  return { ...outcome, opened: outcome.opened.filter((i) => mine.has(i.groupKey)) };
}
