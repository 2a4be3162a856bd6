import type { Generated, Insertable } from 'kysely';
import { plan, rowsOf, runPlan, type Plan } from '../store/batch.ts';
import { chunk, rawQuery, valuesList } from '../store/db.ts';
import type { Store } from '../store/store.ts';

/** Row status of a notification in the outbox. */
export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled';

/**
 * One notification (migrations 0003, 0010). Times are epoch ms; fallback is JSON text; the payload
 * is in `notify_payloads`.
 */
export interface NotifyOutboxTable {
  id: Generated<number>;
  /** Idempotency key: enqueueing the same key twice keeps one row. */
  key: string;
  incident: string;
  event: string;
  user_id: string | null;
  channel_id: string;
  channel_type: string;
  target: string | null;
  /** Per-destination queue key: order is kept and pacing applied per destination. */
  destination: string;
  /** Length of the payload (in `notify_payloads`), for a pass's memory budget. */
  payload_size: number;
  fallback: string | null;
  status: OutboxStatus;
  /** When the notification became (or becomes) due; also its place in the destination's order. */
  scheduled_at: number;
  /** Earliest next attempt (moves forward with backoff). */
  next_attempt_at: number;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  last_status: number | null;
  created_at: number;
  finished_at: number | null;
}

/** One delivery attempt: the delivery log. */
export interface NotifyAttemptsTable {
  id: Generated<number>;
  notification_id: number;
  incident: string;
  at: number;
  outcome: 'delivered' | 'retryable' | 'permanent';
  http_status: number | null;
  error: string | null;
  owner: string;
}

/**
 * The payload of each outbox row (same id), as the channel's send reads it (JSON text). Written
 * once, at enqueue: a status change of the outbox row never rewrites it (migration 0010).
 */
export interface NotifyPayloadsTable {
  id: number;
  payload: string;
}

/** Pacing state per destination. */
export interface NotifyDestinationsTable {
  destination: string;
  next_allowed_at: number;
}

/** External references per incident and channel (Slack `{channel, ts}` of the first message). */
export interface NotifyRefsTable {
  incident: string;
  channel_id: string;
  target: string;
  ref: string;
  created_at: number;
}

/** The notification layer's tables, used through `store.db.withTables<NotifyTables>()`. */
// A type alias (not an interface): Kysely's withTables needs an index-signature-compatible type.
export type NotifyTables = {
  notify_outbox: NotifyOutboxTable;
  notify_payloads: NotifyPayloadsTable;
  notify_attempts: NotifyAttemptsTable;
  notify_destinations: NotifyDestinationsTable;
  notify_refs: NotifyRefsTable;
};

/** The store's query builder with the notification tables added. */
export function notifyDb(store: Store) {
  return store.db.withTables<NotifyTables>();
}

/** An outbox row to insert, with its payload (JSON text, as `serializePayload` writes it). */
export interface OutboxInsert {
  row: Omit<Insertable<NotifyOutboxTable>, 'payload_size'>;
  payload: string;
}

/** An outbox row just inserted: its id (the payload's key) and idempotency key. */
export interface InsertedRow {
  id: number;
  key: string;
}

/**
 * The insert of outbox rows, one multi-row statement per 100; a row whose key is already in the
 * outbox is left as it is (enqueueing is idempotent). Reads the rows that were new; their
 * payloads follow once the ids are known (`payloadsPlan`).
 */
export function outboxRowsPlan(
  db: ReturnType<typeof notifyDb>,
  items: readonly OutboxInsert[],
): Plan<InsertedRow[]> {
  return plan(
    chunk(items, 100).map((part) => {
      const params: unknown[] = [];
      for (const { row: r, payload } of part) {
        params.push(
          r.key,
          r.incident,
          r.event,
          r.user_id ?? null,
          r.channel_id,
          r.channel_type,
          r.target ?? null,
          r.destination,
          payload.length,
          r.fallback ?? null,
          r.status,
          r.scheduled_at,
          r.next_attempt_at,
          r.attempts,
          r.lease_owner ?? null,
          r.lease_until ?? null,
          r.last_error ?? null,
          r.last_status ?? null,
          r.created_at,
          r.finished_at ?? null,
        );
      }
      return rawQuery(
        db,
        `insert into notify_outbox (${OUTBOX_COLUMNS}) values ${valuesList(part.length, 20)} ` +
          'on conflict (key) do nothing returning id, key',
        params,
      );
    }),
    (results) => results.flatMap((r) => rowsOf<InsertedRow>(r)),
  );
}

/** The columns `outboxRowsPlan` writes, in the order of its parameters. */
const OUTBOX_COLUMNS = [
  'key',
  'incident',
  'event',
  'user_id',
  'channel_id',
  'channel_type',
  'target',
  'destination',
  'payload_size',
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
].join(', ');

/** The insert of the payloads of rows that were new. When a key is given twice, the first one counts. */
export function payloadsPlan(
  db: ReturnType<typeof notifyDb>,
  inserted: readonly InsertedRow[],
  items: readonly OutboxInsert[],
): Plan<void> {
  const payloadOf = new Map<string, string>();
  for (const i of items) if (!payloadOf.has(i.row.key)) payloadOf.set(i.row.key, i.payload);
  return plan(
    chunk(inserted, 100).map((part) => {
      const params: unknown[] = [];
      for (const r of part) params.push(Number(r.id), payloadOf.get(r.key) ?? '');
      return rawQuery(
        db,
        `insert into notify_payloads (id, payload) values ${valuesList(part.length, 2)}`,
        params,
      );
    }),
    () => undefined,
  );
}

/**
 * Inserts outbox rows and their payloads (`outboxRowsPlan`, `payloadsPlan`). Returns the keys
 * that were new.
 */
export async function insertOutboxRows(
  db: ReturnType<typeof notifyDb>,
  items: readonly OutboxInsert[],
): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = await runPlan(db, outboxRowsPlan(db, items));
  await runPlan(db, payloadsPlan(db, rows, items));
  return rows.map((r) => r.key);
}
