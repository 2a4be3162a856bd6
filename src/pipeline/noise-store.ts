import type { Selectable } from 'kysely';
import { chunk, type Db } from '../store/db.ts';
import type { Transition } from './flap.ts';

/**
 * What the noise stages did with an alert (one row per fingerprint, migration 0007):
 * - `suppressed`: an aggregation rule with `action: suppress` matched; recorded, never paged;
 * - `delayed`: a `delay` rule matched; waits until `until` (startsAt + delay_minutes);
 * - `paged`: a delayed alert was still firing after the delay and went on to routing;
 * - `transient`: a delayed or held alert resolved before it could page; it never paged;
 * - `held`: a `create_single_incident` rule matched and fewer than `min_alerts` arrived so far;
 * - `aggregated`: part of the rule's single incident;
 * - `released`: held until its window closed below `min_alerts`; went on to routing;
 * - `flapping`: re-fired soon after it paged; attached to that page, not paged again;
 * - `muted`: silenced, or its service in a maintenance window, when it would have opened or joined
 *   an incident: recorded, no incident, no page; looked at again when the silence or window ends.
 */
export const NOISE_STATES = [
  'muted',
  'suppressed',
  'delayed',
  'paged',
  'transient',
  'held',
  'aggregated',
  'released',
  'flapping',
] as const;

/** One of `NOISE_STATES`. */
export type NoiseState = (typeof NOISE_STATES)[number];

/** One row of `alert_noise`. */
export interface AlertNoiseTable {
  fingerprint: string;
  state: string;
  rule: string | null;
  agg_key: string | null;
  episode: number;
  until: number | null;
  flap_count: number;
  updated_at: number;
}

/** The noise tables, used through `db.withTables<NoiseTables>()` (not part of the spine schema). */
// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible type.
export type NoiseTables = { alert_noise: AlertNoiseTable };

/** The noise state of one alert. */
export interface NoiseRow {
  fingerprint: string;
  state: NoiseState;
  /** The aggregation rule that decided it (absent for flapping alone). */
  rule?: string | undefined;
  /** For `create_single_incident`: the rule's group key (also the incident's group key). */
  aggKey?: string | undefined;
  /** The alert's startsAt when this state was decided: a new episode starts afresh. */
  episode: number;
  /** When the alert is looked at again (delay end, window end, flap settle). */
  until?: number | undefined;
  flapCount: number;
  updatedAt: number;
}

const ndb = (db: Db) => db.withTables<NoiseTables>();

function toRow(r: Selectable<AlertNoiseTable>): NoiseRow {
  return {
    fingerprint: r.fingerprint,
    state: r.state as NoiseState,
    rule: r.rule ?? undefined,
    aggKey: r.agg_key ?? undefined,
    episode: r.episode,
    until: r.until ?? undefined,
    flapCount: r.flap_count,
    updatedAt: r.updated_at,
  };
}

/** The noise rows of these fingerprints (one query per 500). */
export async function loadNoiseRows(db: Db, fps: readonly string[]): Promise<Map<string, NoiseRow>> {
  const out = new Map<string, NoiseRow>();
  for (const part of chunk([...new Set(fps)], 500)) {
    const rows = await ndb(db)
      .selectFrom('alert_noise')
      .selectAll()
      .where('fingerprint', 'in', part)
      .execute();
    for (const r of rows) out.set(r.fingerprint, toRow(r));
  }
  return out;
}

/** The alerts held for these aggregation keys (one query per 500 keys). */
export async function loadHeld(db: Db, keys: readonly string[]): Promise<NoiseRow[]> {
  const out: NoiseRow[] = [];
  for (const part of chunk([...new Set(keys)], 500)) {
    const rows = await ndb(db)
      .selectFrom('alert_noise')
      .selectAll()
      .where('agg_key', 'in', part)
      .where('state', '=', 'held')
      .execute();
    out.push(...rows.map(toRow));
  }
  return out;
}

/** Inserts or replaces noise rows (one statement per 100). */
export async function saveNoiseRows(db: Db, rows: readonly NoiseRow[]): Promise<void> {
  for (const part of chunk(rows, 100)) {
    await ndb(db)
      .insertInto('alert_noise')
      .values(
        part.map((r) => ({
          fingerprint: r.fingerprint,
          state: r.state,
          rule: r.rule ?? null,
          agg_key: r.aggKey ?? null,
          episode: r.episode,
          until: r.until ?? null,
          flap_count: r.flapCount,
          updated_at: r.updatedAt,
        })),
      )
      .onConflict((oc) =>
        oc.column('fingerprint').doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          rule: eb.ref('excluded.rule'),
          agg_key: eb.ref('excluded.agg_key'),
          episode: eb.ref('excluded.episode'),
          until: eb.ref('excluded.until'),
          flap_count: eb.ref('excluded.flap_count'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/** Noise rows, newest first, optionally only in these states (for the API). */
export async function listNoiseRows(
  db: Db,
  states: readonly NoiseState[] = [],
  limit = 500,
): Promise<NoiseRow[]> {
  let q = ndb(db).selectFrom('alert_noise').selectAll();
  if (states.length > 0) q = q.where('state', 'in', [...states]);
  const rows = await q.orderBy('updated_at', 'desc').orderBy('fingerprint').limit(limit).execute();
  return rows.map(toRow);
}

/**
 * The firing/resolved transitions of these fingerprints received after `since`, from the alert
 * history (`alert_events`, which records every received version): a change of status is a
 * transition, and so is a firing version with a new startsAt (a resolve that arrived only as time
 * passing). One query per 500 fingerprints.
 */
export async function loadTransitions(
  db: Db,
  fps: readonly string[],
  since: number,
): Promise<Map<string, Transition[]>> {
  const out = new Map<string, Transition[]>();
  const last = new Map<string, { status: string; startsAt: number }>();
  for (const part of chunk([...new Set(fps)], 500)) {
    const rows = await db
      .selectFrom('alert_events')
      .select(['fingerprint', 'received_at', 'status', 'starts_at'])
      .where('fingerprint', 'in', part)
      .where('received_at', '>', since)
      .orderBy('id')
      .execute();
    for (const r of rows) {
      const prev = last.get(r.fingerprint);
      const firing = r.status === 'firing';
      const changed = !prev || prev.status !== r.status || (firing && prev.startsAt !== r.starts_at);
      last.set(r.fingerprint, { status: r.status, startsAt: r.starts_at });
      if (!changed) continue;
      const list = out.get(r.fingerprint) ?? [];
      list.push({ at: r.received_at, state: firing ? 'firing' : 'resolved' });
      out.set(r.fingerprint, list);
    }
  }
  return out;
}
