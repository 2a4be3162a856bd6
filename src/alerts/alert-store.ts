import type { Selectable } from 'kysely';
import { chunk, parseStringMap, type Db } from '../store/db.ts';
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
  const out = new Map<string, StoredAlert>();
  for (const part of chunk([...new Set(fingerprints)], 500)) {
    const rows = await db.selectFrom('alerts').selectAll().where('fingerprint', 'in', part).execute();
    for (const r of rows) out.set(r.fingerprint, rowToAlert(r));
  }
  return out;
}

/** Inserts or replaces the latest state of each alert (one statement per 100 alerts). */
export async function saveAlerts(db: Db, alerts: readonly StoredAlert[]): Promise<void> {
  for (const part of chunk(alerts, 100)) {
    await db
      .insertInto('alerts')
      .values(
        part.map((a) => ({
          fingerprint: a.fingerprint,
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          starts_at: a.startsAt,
          ends_at: a.endsAt,
          timeout: a.timeout ? 1 : 0,
          updated_at: a.updatedAt,
          generator_url: a.generatorURL,
          source: a.source,
          incident_id: a.incidentId,
          group_key: a.groupKey,
        })),
      )
      .onConflict((oc) =>
        oc.column('fingerprint').doUpdateSet((eb) => ({
          labels: eb.ref('excluded.labels'),
          annotations: eb.ref('excluded.annotations'),
          starts_at: eb.ref('excluded.starts_at'),
          ends_at: eb.ref('excluded.ends_at'),
          timeout: eb.ref('excluded.timeout'),
          updated_at: eb.ref('excluded.updated_at'),
          generator_url: eb.ref('excluded.generator_url'),
          source: eb.ref('excluded.source'),
          incident_id: eb.ref('excluded.incident_id'),
          group_key: eb.ref('excluded.group_key'),
        })),
      )
      .execute();
  }
}

/** Appends received versions to the alert history (alert_events). */
export async function appendHistory(db: Db, alerts: readonly Alert[], now: number): Promise<void> {
  for (const part of chunk(alerts, 100)) {
    await db
      .insertInto('alert_events')
      .values(
        part.map((a) => ({
          fingerprint: a.fingerprint,
          received_at: now,
          status: a.endsAt > now ? 'firing' : 'resolved',
          starts_at: a.startsAt,
          ends_at: a.endsAt,
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          source: a.source,
        })),
      )
      .execute();
  }
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
