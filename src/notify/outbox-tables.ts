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
      for (const item of part) for (const [, value] of OUTBOX_INSERT) params.push(value(item));
      return rawQuery(
        db,
        `insert into notify_outbox (${OUTBOX_INSERT.map(([c]) => c).join(', ')}) ` +
          `values ${valuesList(part.length, OUTBOX_INSERT.length)} on conflict (key) do nothing returning id, key`,
        params,
      );
    }),
    (results) => results.flatMap((r) => rowsOf<InsertedRow>(r)),
  );
}

/** Each column `outboxRowsPlan` writes, with its value for an item (plain SQL, so every one). */
const OUTBOX_INSERT: ReadonlyArray<readonly [keyof NotifyOutboxTable, (i: OutboxInsert) => unknown]> = [
  ['key', (i) => i.row.key],
  ['incident', (i) => i.row.incident],
  ['event', (i) => i.row.event],
  ['user_id', (i) => i.row.user_id ?? null],
  ['channel_id', (i) => i.row.channel_id],
  ['channel_type', (i) => i.row.channel_type],
  ['target', (i) => i.row.target ?? null],
  ['destination', (i) => i.row.destination],
  ['payload_size', (i) => i.payload.length],
  ['fallback', (i) => i.row.fallback ?? null],
  ['status', (i) => i.row.status],
  ['scheduled_at', (i) => i.row.scheduled_at],
  ['next_attempt_at', (i) => i.row.next_attempt_at],
  ['attempts', (i) => i.row.attempts],
  ['lease_owner', (i) => i.row.lease_owner ?? null],
  ['lease_until', (i) => i.row.lease_until ?? null],
  ['last_error', (i) => i.row.last_error ?? null],
  ['last_status', (i) => i.row.last_status ?? null],
  ['created_at', (i) => i.row.created_at],
  ['finished_at', (i) => i.row.finished_at ?? null],
];

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
