import type { Generated } from 'kysely';
import type { Store } from '../store/store.ts';

/** Row status of a notification in the outbox. */
export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'cancelled';

/** One notification (migration 0003). Times are epoch ms; payload and fallback are JSON text. */
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
  payload: string;
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
  notify_attempts: NotifyAttemptsTable;
  notify_destinations: NotifyDestinationsTable;
  notify_refs: NotifyRefsTable;
};

/** The store's query builder with the notification tables added. */
export function notifyDb(store: Store) {
  return store.db.withTables<NotifyTables>();
}
