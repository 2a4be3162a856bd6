import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { cancelJobs, scheduleJob } from '../engine/jobs.ts';
import { VigilError } from '../shared/errors.ts';
import { plan, rowsOf, runPlan, type Plan } from '../store/batch.ts';
import type { Db } from '../store/db.ts';
import {
  expireSilence,
  silenceState,
  upsertSilence,
  type Silence,
  type SilenceMatcher,
  type SilenceState,
  type SilenceUpsert,
} from './silences.ts';

/** One row of the `silences` table (migration 0002). Times are epoch ms; matchers JSON text. */
export interface SilencesTable {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  updated_at: number;
  created_by: string;
  comment: string;
  expire_on_resolve: number;
  notify_resolved_on_end: number;
}

/** The silence tables, used through `db.withTables<SilenceTables>()` (not part of the spine schema). */
// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible type.
export type SilenceTables = { silences: SilencesTable };

/** The job kind that expires an `expireOnResolve` silence once its alerts have resolved. */
export const EXPIRE_ON_RESOLVE_JOB = 'silence.expire_on_resolve';

/** The job key of a silence's expire-on-resolve check (one durable row per silence). */
export function expireOnResolveKey(id: string): string {
  return `silence-eor:${id}`;
}

const sdb = (db: Db) => db.withTables<SilenceTables>();

function parseMatchers(text: string): SilenceMatcher[] {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? (v as SilenceMatcher[]) : [];
}

function rowToSilence(r: Selectable<SilencesTable>): Silence {
  return {
    id: r.id,
    matchers: parseMatchers(r.matchers),
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    updatedAt: r.updated_at,
    createdBy: r.created_by,
    comment: r.comment,
    expireOnResolve: r.expire_on_resolve === 1,
    notifyResolvedOnEnd: r.notify_resolved_on_end === 1,
  };
}

function toRow(s: Silence, now: number): SilencesTable {
  return {
    id: s.id,
    // Stored with isEqual spelled out, as Alertmanager returns it.
    matchers: JSON.stringify(
      s.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex,
        isEqual: m.isEqual ?? true,
      })),
    ),
    starts_at: s.startsAt,
    ends_at: s.endsAt,
    updated_at: s.updatedAt ?? now,
    created_by: s.createdBy,
    comment: s.comment,
    expire_on_resolve: s.expireOnResolve ? 1 : 0,
    notify_resolved_on_end: s.notifyResolvedOnEnd ? 1 : 0,
  };
}

async function write(db: Db, s: Silence, now: number): Promise<void> {
  const row = toRow(s, now);
  const { id: _id, ...rest } = row;
  await sdb(db)
    .insertInto('silences')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(rest))
    .execute();
}

/** The silence with this id, or undefined. */
export async function getSilence(db: Db, id: string): Promise<Silence | undefined> {
  const r = await sdb(db).selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? rowToSilence(r) : undefined;
}

/** The silence with this id; throws `not_found` naming it. */
export async function requireSilence(db: Db, id: string): Promise<Silence> {
  const s = await getSilence(db, id);
  if (!s) throw new VigilError('not_found', `no silence ${id}`);
  return s;
}

const stateRank: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };

/**
 * Sorts silences the way Alertmanager's API does: active first (soonest end first), then pending
 * (soonest start first), then expired (most recently ended first).
 */
function sortSilences(list: readonly Silence[], now: number): Silence[] {
  return [...list].sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return stateRank[sa] - stateRank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt || a.id.localeCompare(b.id);
    if (sa === 'pending') return a.startsAt - b.startsAt || a.id.localeCompare(b.id);
    return b.endsAt - a.endsAt || a.id.localeCompare(b.id);
  });
}

/** Lists silences in Alertmanager's order, optionally only those in the given states at `now`. */
export async function listSilences(
  db: Db,
  now: number,
  states?: readonly SilenceState[] | undefined,
): Promise<Silence[]> {
  let q = sdb(db).selectFrom('silences').selectAll();
  if (states && states.length > 0) {
    q = q.where((eb) =>
      eb.or(
        states.map((st) =>
          st === 'expired'
            ? eb('ends_at', '<=', now)
            : st === 'pending'
              ? eb.and([eb('starts_at', '>', now), eb('ends_at', '>', now)])
              : eb.and([eb('starts_at', '<=', now), eb('ends_at', '>', now)]),
        ),
      ),
    );
  }
  return sortSilences((await q.execute()).map(rowToSilence), now);
}

/**
 * The silences active at `now` (what the silence stage and API reads evaluate alerts against).
 * Load them once per request or pass, then call `silencedBy` per alert.
 */
export async function activeSilencesAt(db: Db, now: number): Promise<Silence[]> {
  return runPlan(db, activeSilencesPlan(db, now));
}

/** The read of `activeSilencesAt`, to run in a batch with others (`../store/batch.ts`). */
export function activeSilencesPlan(db: Db, now: number): Plan<Silence[]> {
  return plan(
    [sdb(db).selectFrom('silences').selectAll().where('starts_at', '<=', now).where('ends_at', '>', now)],
    ([r]) => rowsOf<Selectable<SilencesTable>>(r).map(rowToSilence),
  );
}

/** A silence as posted: without id for a new one, with the id of the silence to update. */
export type SilenceInput = Omit<Silence, 'id' | 'updatedAt'> & { id?: string | undefined };

/**
 * Creates or updates a silence with Alertmanager's rule (`upsertSilence`): an existing silence is
 * updated in place only if its matchers are unchanged, otherwise it is expired and a new one
 * created. An unknown id is `not_found`, as in Alertmanager. An `expireOnResolve` silence gets
 * its durable check job in the same transaction. Call it inside a transaction.
 */
export async function putSilence(
  db: Db,
  input: SilenceInput,
  now: number,
  newId: string = randomUUID(),
): Promise<SilenceUpsert> {
  const { id, ...next } = input;
  const prev = id === undefined || id === '' ? undefined : await requireSilence(db, id);
  const res = upsertSilence(prev, next, now, newId);
  if (res.expired) {
    await write(db, res.expired, now);
    await cancelJobs(db, { key: expireOnResolveKey(res.expired.id) }, now);
  }
  await write(db, res.silence, now);
  const key = expireOnResolveKey(res.silence.id);
  if (res.silence.expireOnResolve) {
    const payload = { silenceId: res.silence.id };
    await scheduleJob(db, { kind: EXPIRE_ON_RESOLVE_JOB, key, runAt: now, payload }, now, 'replace');
  } else if (!res.created) {
    await cancelJobs(db, { key }, now);
  }
  return res;
}

/**
 * Expires a silence now (Alertmanager's DELETE): a pending one gets start = end = now. Throws
 * `not_found` for an unknown id and `conflict` for one already expired. Cancels its pending jobs.
 */
export async function expireSilenceById(db: Db, id: string, now: number): Promise<Silence> {
  const s = expireSilence(await requireSilence(db, id), now);
  await write(db, s, now);
  await cancelJobs(db, { key: expireOnResolveKey(id) }, now);
  return s;
}
