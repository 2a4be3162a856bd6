import type { Selectable } from 'kysely';
import { plan, rowsOf, runPlan, type Plan } from '../store/batch.ts';
import { chunk, parseStringMap, rawQuery, valuesList, type Db } from '../store/db.ts';
import type { AlertsTable } from '../store/schema.ts';
import type { Alert } from './alert.ts';

/** An alert as stored: the alert plus the incident and group it belongs to. */
export interface StoredAlert extends Alert {
  incidentId: number | null;
  groupKey: string;
}

/** Converts a row of the alerts table to a StoredAlert. */
export function rowToAlert(r: Selectable<AlertsTable>): StoredAlert {
  return {
    fingerprint: r.fingerprint,
    labels: parseStringMap(r.labels),
    annotations: parseStringMap(r.annotations),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    timeout: r.timeout === 1,
    updatedAt: r.updated_at,
    generatorURL: r.generator_url,
    source: r.source,
    incidentId: r.incident_id,
    groupKey: r.group_key,
  };
}

/** Loads the stored alerts with these fingerprints, keyed by fingerprint. */
export async function loadAlerts(db: Db, fingerprints: readonly string[]): Promise<Map<string, StoredAlert>> {
  return runPlan(db, loadAlertsPlan(db, fingerprints));
}

/** The read of `loadAlerts`, to run in a batch with others (`../store/batch.ts`). */
export function loadAlertsPlan(db: Db, fingerprints: readonly string[]): Plan<Map<string, StoredAlert>> {
  return plan(
    chunk([...new Set(fingerprints)], 500).map((part) =>
      rawQuery(db, `select * from alerts where fingerprint in (${part.map(() => '?').join(', ')})`, part),
    ),
    (results) => {
      const out = new Map<string, StoredAlert>();
      for (const r of results)
        for (const row of rowsOf<Selectable<AlertsTable>>(r)) out.set(row.fingerprint, rowToAlert(row));
      return out;
    },
  );
}

const ALERT_COLUMNS =
  'fingerprint, labels, annotations, starts_at, ends_at, timeout, updated_at, generator_url, source, incident_id, group_key';
const UPSERT_SET = ALERT_COLUMNS.split(', ')
  .slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

/**
 * Inserts or replaces the latest state of each alert (one statement per 500 alerts). This is the
 * hottest statement of ingest, so it is written by hand rather than built per call.
 */
export async function saveAlerts(db: Db, alerts: readonly StoredAlert[]): Promise<void> {
  await runPlan(db, saveAlertsPlan(db, alerts));
}

/** The statements of `saveAlerts`, to run in a batch with others. */
export function saveAlertsPlan(db: Db, alerts: readonly StoredAlert[]): Plan<void> {
  return valuesPlan(
    db,
    alerts,
    (a) => [
      a.fingerprint,
      JSON.stringify(a.labels),
      JSON.stringify(a.annotations),
      a.startsAt,
      a.endsAt,
      a.timeout ? 1 : 0,
      a.updatedAt,
      a.generatorURL,
      a.source,
      a.incidentId,
      a.groupKey,
    ],
    (values) => `insert into alerts (${ALERT_COLUMNS}) values ${values}
       on conflict (fingerprint) do update set ${UPSERT_SET}`,
  );
}

/**
 * One hand-written multi-row statement per 500 items: `sqlOf` gets the `(?, …), (?, …)` list for
 * a chunk, `row` gives an item's values in column order.
 */
function valuesPlan<T>(
  db: Db,
  items: readonly T[],
  row: (item: T) => unknown[],
  sqlOf: (values: string) => string,
): Plan<void> {
  return plan(
    chunk(items, 500).map((part) => {
      // A plain loop: `flatMap` took three times as long as building the rows themselves (2 µs
      // an alert, twice per alert applied; docs/performance.md, session 19).
      const params: unknown[] = [];
      for (const item of part) {
        const values = row(item);
        for (let i = 0; i < values.length; i++) params.push(values[i]);
      }
      return rawQuery(db, sqlOf(valuesList(part.length, params.length / part.length)), params);
    }),
    () => undefined,
  );
}

/**
 * Appends received versions to the alert history (alert_events). A version's labels are those of
 * its fingerprint, kept once in `alerts`; the history row keeps what changes between versions
 * (status, times, annotations), which halves the bytes ingest writes per alert.
 */
export function appendHistoryPlan(db: Db, alerts: readonly Alert[], now: number): Plan<void> {
  return valuesPlan(
    db,
    alerts,
    (a) => [
      a.fingerprint,
      now,
      a.endsAt > now ? 'firing' : 'resolved',
      a.startsAt,
      a.endsAt,
      '',
      JSON.stringify(a.annotations),
      a.source,
    ],
    (
      values,
    ) => `insert into alert_events (fingerprint, received_at, status, starts_at, ends_at, labels, annotations, source)
       values ${values}`,
  );
}

/** What the alert listing can filter on. */
export interface AlertQuery {
  /** Only alerts that are still firing at `now`. */
  firingAt?: number;
  incidentId?: number;
  limit?: number;
}

/** Lists stored alerts, newest first. */
export async function listAlerts(db: Db, q: AlertQuery = {}): Promise<StoredAlert[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (q.firingAt !== undefined) query = query.where('ends_at', '>', q.firingAt);
  if (q.incidentId !== undefined) query = query.where('incident_id', '=', q.incidentId);
  const rows = await query
    .orderBy('starts_at', 'desc')
    .orderBy('fingerprint')
    .limit(q.limit ?? 100_000)
    .execute();
  return rows.map(rowToAlert);
}

/** The recorded versions of one alert, oldest first. */
export async function alertHistory(
  db: Db,
  fp: string,
  limit = 1000,
): Promise<Array<{ receivedAt: number; status: string; startsAt: number; endsAt: number }>> {
  const rows = await db
    .selectFrom('alert_events')
    .select(['received_at', 'status', 'starts_at', 'ends_at'])
    .where('fingerprint', '=', fp)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows
    .reverse()
    .map((r) => ({ receivedAt: r.received_at, status: r.status, startsAt: r.starts_at, endsAt: r.ends_at }));
}
