import { sql, type Selectable } from 'kysely';
import { plan, rowsOf, runPlan, runPlans, type Plan } from '../store/batch.ts';
import { chunk } from '../store/db.ts';
import type { Dialect } from '../store/store.ts';
import type { Channel } from './channels/index.ts';
import type { notifyDb, NotifyOutboxTable } from './outbox-tables.ts';

/** One outbox row as read. */
export type OutboxRow = Selectable<NotifyOutboxTable>;

/**
 * A row as claiming reads it. The payload is not in it (`notify_payloads`): a pass loads it just
 * before sending (`loadPayloads`). A group notification carries its whole group; a pass that
 * claimed hundreds of them with their payloads held all of it in memory at once, most of a burst's
 * peak heap.
 */
export type OutboxHead = Omit<OutboxRow, 'payload_size'>;

const HEAD_COLUMNS = [
  'id',
  'key',
  'incident',
  'event',
  'user_id',
  'channel_id',
  'channel_type',
  'target',
  'destination',
  'fallback',
  'status',
  'scheduled_at',
  'next_attempt_at',
  'attempts',
  'lease_owner',
  'lease_until',
  'last_error',
  'last_status',
  'created_at',
  'finished_at',
] as const satisfies ReadonlyArray<keyof OutboxHead>;

/** The notification tables' query handle: the store's builder or a transaction on it. */
export type NotifyDb = ReturnType<typeof notifyDb>;

/** A row this pass holds the lease of, ready to send. */
export interface Claimed {
  /** The row as claimed (status `sending`, this pass's lease, `attempts` already counted). */
  row: OutboxHead;
  /** The thread reference saved by an earlier delivery of the incident (Slack ts, …), if any. */
  ref: string | undefined;
  /** When the claim was taken: a send that cannot start soon after is released instead. */
  claimedAt: number;
  /**
   * The stored payload, when the claimer has it at hand (it enqueued the row in the same
   * transaction): the pass then sends without reading it back.
   */
  payload?: string | undefined;
  /**
   * Called once when the pass is through with the row: sent (whatever the outcome), given back
   * unsent, or dropped by a failing pass. A group flush uses it to hold intake until a page is
   * out (ADR 0015).
   */
  done?: (() => void) | undefined;
}

/** What claiming needs to know besides the rows. */
export interface ClaimContext {
  dialect: Dialect;
  channels: ReadonlyMap<string, Channel>;
  /** Identifies this pass's leases. */
  owner: string;
  leaseMs: number;
}

const ACTIVE = ['pending', 'sending'] as const;
const CHUNK = 500;

function activeAndDue(now: number) {
  return sql<boolean>`o.status in ('pending', 'sending') and o.scheduled_at <= ${now} and not exists (
    select 1 from notify_outbox p where p.destination = o.destination
      and p.status in ('pending', 'sending') and p.scheduled_at <= ${now}
      and (p.scheduled_at < o.scheduled_at or (p.scheduled_at = o.scheduled_at and p.id < o.id)))`;
}

/**
 * Heads that may be claimed now: due for their (next) attempt, not leased, and their destination
 * neither paused by a Retry-After nor inside its pacing interval. A head that is not claimable
 * still blocks the rows behind it (`activeAndDue` counts every unfinished due row).
 */
function claimableHead(now: number) {
  return sql<boolean>`o.next_attempt_at <= ${now} and (o.lease_until is null or o.lease_until <= ${now})
    and not exists (select 1 from notify_destinations d
      where d.destination = o.destination and d.next_allowed_at > ${now})
    and ${activeAndDue(now)}`;
}

/**
 * The claimable head rows (see `claimableHead`) of all destinations, oldest first, at most
 * `limit`: every row returned can be claimed unless another pass takes it first, so the limit
 * does not starve destinations behind blocked ones.
 */
export async function dueHeads(
  db: NotifyDb,
  now: number,
  limit: number,
): Promise<Array<OutboxHead & { payload_size: number }>> {
  return db
    .selectFrom('notify_outbox as o')
    .select(HEAD_COLUMNS.map((c) => `o.${c}` as const))
    .select('o.payload_size')
    .where(claimableHead(now))
    .orderBy('o.id')
    .limit(limit)
    .execute();
}

/** The claimable head rows of the given destinations (one query per 500 destinations). */
export function headsPlan(db: NotifyDb, destinations: readonly string[], now: number): Plan<OutboxHead[]> {
  return plan(
    chunk(destinations, CHUNK).map((part) =>
      db
        .selectFrom('notify_outbox as o')
        .select(HEAD_COLUMNS.map((c) => `o.${c}` as const))
        .where('o.destination', 'in', part)
        .where(claimableHead(now))
        .orderBy('o.id'),
    ),
    (results) => results.flatMap((r) => rowsOf<OutboxHead>(r)),
  );
}

/** The claimable head rows of the given destinations (`headsPlan`). */
export async function headsOf(
  db: NotifyDb,
  destinations: readonly string[],
  now: number,
): Promise<OutboxHead[]> {
  return runPlan(db, headsPlan(db, destinations, now));
}

/** The stored payloads of these rows, by id (one query per 500). */
export async function loadPayloads(db: NotifyDb, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const part of chunk(ids, CHUNK)) {
    const rows = await db
      .selectFrom('notify_payloads')
      .select(['id', 'payload'])
      .where('id', 'in', part)
      .execute();
    for (const r of rows) out.set(Number(r.id), r.payload);
  }
  return out;
}

/** Whether a head row may be claimed at `now` as far as the row itself says (due, lease free). */
function claimable(row: OutboxHead, now: number): boolean {
  return row.next_attempt_at <= now && !(row.status === 'sending' && (row.lease_until ?? 0) > now);
}

/**
 * Claims up to `limit` of the given head rows for this pass, in the caller's transaction (so a
 * whole set costs one commit): takes the pacing slot of paced destinations, skips destinations
 * paused by a Retry-After, and leases the rows with a conditional UPDATE (status and lease are
 * checked in its WHERE, so of several passes claiming the same head at most one wins; on
 * PostgreSQL rows another pass is claiming are skipped, never waited for). Reads the thread
 * references of follow-up messages in the same transaction.
 */
export async function claimHeads(
  db: NotifyDb,
  ctx: ClaimContext,
  heads: readonly OutboxHead[],
  now: number,
  limit: number,
  alongside: ReadonlyArray<Plan<unknown>> = [],
): Promise<Claimed[]> {
  const due = heads.filter((r) => claimable(r, now)).slice(0, Math.max(0, limit));
  const unpaced: number[] = [];
  const paced = new Map<number, OutboxHead[]>(); // by interval
  for (const r of due) {
    const interval = ctx.channels.get(r.channel_id)?.minIntervalMs ?? 0;
    if (interval === 0) unpaced.push(r.id);
    else {
      const group = paced.get(interval);
      if (group) group.push(r);
      else paced.set(interval, [r]);
    }
  }
  const ids = [...unpaced];
  for (const [interval, rows] of paced) ids.push(...(await takeSlots(db, ctx.dialect, rows, interval, now)));
  // The lease, the thread references and the caller's own statements go in one batch.
  const [leased, refs] = await runPlans(
    db,
    leasePlan(db, ctx, ids, now, new Set(unpaced)),
    refsPlan(db, due),
    ...alongside,
  );
  const claimed: Claimed[] = [];
  for (const r of due) {
    const attempts = leased.get(r.id);
    if (attempts === undefined) continue;
    const row: OutboxHead = {
      ...r,
      status: 'sending',
      lease_owner: ctx.owner,
      lease_until: now + ctx.leaseMs,
      attempts,
    };
    const ref =
      row.event === 'triggered'
        ? undefined
        : refs.get(refKey(row.incident, row.channel_id, row.target ?? ''));
    claimed.push({ row, ref, claimedAt: now });
  }
  return claimed;
}

/**
 * Takes the pacing slot of each row's destination (`next_allowed_at` moves to now + interval
 * where it had passed); returns the ids of the rows whose slot was taken.
 */
async function takeSlots(
  db: NotifyDb,
  dialect: Dialect,
  rows: readonly OutboxHead[],
  interval: number,
  now: number,
): Promise<number[]> {
  const destinations = [...new Set(rows.map((r) => r.destination))].sort();
  const taken = new Set<string>();
  for (const part of chunk(destinations, CHUNK)) {
    await db
      .insertInto('notify_destinations')
      .values(part.map((destination) => ({ destination, next_allowed_at: 0 })))
      .onConflict((oc) => oc.column('destination').doNothing())
      .execute();
    const slots = await db
      .updateTable('notify_destinations')
      .set({ next_allowed_at: now + interval })
      .where('destination', 'in', (eb) => {
        const q = eb
          .selectFrom('notify_destinations as s')
          .select('s.destination')
          .where('s.destination', 'in', part)
          .where('s.next_allowed_at', '<=', now);
        return dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
      })
      .returning('destination')
      .execute();
    for (const s of slots) taken.add(s.destination);
  }
  return rows.filter((r) => taken.has(r.destination)).map((r) => r.id);
}

/** The conditional lease UPDATE; unpaced rows are also held back by a destination's Retry-After pause. */
function leasePlan(
  db: NotifyDb,
  ctx: ClaimContext,
  ids: readonly number[],
  now: number,
  unpaced: ReadonlySet<number>,
): Plan<Map<number, number>> {
  const queries = [];
  for (const [all, checkPause] of [
    [ids.filter((id) => unpaced.has(id)), true],
    [ids.filter((id) => !unpaced.has(id)), false],
  ] as const) {
    for (const part of chunk(all, CHUNK)) {
      queries.push(
        db
          .updateTable('notify_outbox')
          .set((eb) => ({
            status: 'sending',
            lease_owner: ctx.owner,
            lease_until: now + ctx.leaseMs,
            attempts: eb('attempts', '+', 1),
          }))
          .where('id', 'in', (eb) => {
            let q = eb
              .selectFrom('notify_outbox as c')
              .select('c.id')
              .where('c.id', 'in', part)
              .where('c.status', 'in', [...ACTIVE])
              .where('c.next_attempt_at', '<=', now)
              .where((w) => w.or([w('c.lease_until', 'is', null), w('c.lease_until', '<=', now)]));
            if (checkPause) {
              q = q.where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom('notify_destinations as d')
                      .select('d.destination')
                      .whereRef('d.destination', '=', 'c.destination')
                      .where('d.next_allowed_at', '>', now),
                  ),
                ),
              );
            }
            return ctx.dialect === 'postgres' ? q.forUpdate().skipLocked() : q;
          })
          .returning(['id', 'attempts']),
      );
    }
  }
  return plan(queries, (results) => {
    const leased = new Map<number, number>(); // id → attempts
    for (const r of results)
      for (const row of rowsOf<{ id: number; attempts: number }>(r))
        leased.set(Number(row.id), Number(row.attempts));
    return leased;
  });
}

/** The thread references of the follow-ups (anything but `triggered`) among these rows, in one query per 500 incidents. */
function refsPlan(db: NotifyDb, rows: readonly OutboxHead[]): Plan<Map<string, string>> {
  const incidents = [...new Set(rows.filter((r) => r.event !== 'triggered').map((r) => r.incident))];
  return plan(
    chunk(incidents, CHUNK).map((part) =>
      db
        .selectFrom('notify_refs')
        .select(['incident', 'channel_id', 'target', 'ref'])
        .where('incident', 'in', part),
    ),
    (results) => {
      const refs = new Map<string, string>();
      for (const r of results)
        for (const row of rowsOf<{ incident: string; channel_id: string; target: string; ref: string }>(r))
          refs.set(refKey(row.incident, row.channel_id, row.target), row.ref);
      return refs;
    },
  );
}

function refKey(incident: string, channelId: string, target: string): string {
  return JSON.stringify([incident, channelId, target]);
}
