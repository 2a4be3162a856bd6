import type { Store } from '../store/store.ts';
import { chunk } from '../store/db.ts';
import { serializePayload, type ChannelPayload } from './channels/index.ts';
import { runPlans, type Plan } from '../store/batch.ts';
import { claimHeads, headsPlan, type ClaimContext, type Claimed } from './outbox-claim.ts';
import {
  notifyDb,
  outboxRowsPlan,
  payloadsPlan,
  type OutboxInsert,
  type OutboxStatus,
} from './outbox-tables.ts';
import type { ChannelType, NotifyEvent } from './types.ts';

/**
 * Who claims rows for delivery: the outbox runner (`OutboxRunner`), whose passes send what is
 * claimed with its `claimContext` and handed over with `adopt`.
 */
export interface OutboxClaimer {
  claimContext(): ClaimContext;
  adopt(rows: readonly Claimed[]): void;
}

/**
 * What `enqueueAndClaim` did: the keys that were new (in the order given), and the rows it claimed
 * for the claimer (empty without one).
 */
export interface EnqueuedAndClaimed {
  enqueued: string[];
  claimed: Claimed[];
}

/**
 * Writes notifications as outbox rows (as `enqueueNotifications`) and, given a claim context,
 * claims in the caller's transaction the heads of their destinations that are due now: what was
 * just enqueued, and any older due head of the same queues, which goes first. The claimer's pass
 * then sends them without a claim transaction of its own, a step off the path from an alert to its
 * first notification (docs/performance.md, session 15). Pacing slots and Retry-After pauses apply
 * as in any claim; rows not claimed here wait for a pass as before. `alongside` are the caller's
 * own statements, run in the same round trip as the payloads and the lease (a group flush's
 * bookkeeping): the whole is two round trips to the store, three with a paced channel.
 */
export async function enqueueAndClaim(
  store: Store,
  ctx: ClaimContext | undefined,
  items: readonly NewNotification[],
  now: number,
  alongside: ReadonlyArray<Plan<unknown>> = [],
): Promise<EnqueuedAndClaimed> {
  const db = notifyDb(store);
  const inserts = items.map((n) => toInsert(n, now));
  const destinations = ctx ? [...new Set(items.map((n) => n.destination))].sort() : [];
  const [rows, heads] = await runPlans(db, outboxRowsPlan(db, inserts), headsPlan(db, destinations, now));
  const writes = [payloadsPlan(db, rows, inserts), ...alongside];
  const claimed = ctx ? await claimHeads(db, ctx, heads, now, heads.length, writes) : [];
  if (!ctx) await runPlans(db, ...writes);
  // What was inserted here goes to the sender with its payload, saving a read before the send.
  const fresh = new Set(rows.map((r) => r.key));
  const payloadOf = new Map<string, string>();
  for (const i of inserts)
    if (fresh.has(i.row.key) && !payloadOf.has(i.row.key)) payloadOf.set(i.row.key, i.payload);
  for (const c of claimed) c.payload = payloadOf.get(c.row.key);
  // In the order given; a key given twice was new only once.
  return { enqueued: [...new Set(items.map((n) => n.key))].filter((k) => fresh.has(k)), claimed };
}

function toInsert(n: NewNotification, now: number): OutboxInsert {
  return {
    row: {
      key: n.key,
      incident: n.incident,
      event: n.event,
      user_id: n.userId ?? null,
      channel_id: n.channelId,
      channel_type: n.channelType,
      target: n.target ?? null,
      destination: n.destination,
      fallback: n.fallback ? JSON.stringify(n.fallback) : null,
      status: 'pending',
      scheduled_at: n.dueAt,
      next_attempt_at: n.dueAt,
      attempts: 0,
      created_at: now,
    },
    payload: serializePayload(n.payload),
  };
}

/** Where a notification goes if its channel fails permanently (rendered for that channel). */
export interface FallbackSpec {
  channelId: string;
  channelType: ChannelType;
  target?: string | undefined;
  destination: string;
  payload: ChannelPayload;
}

/** A notification to put in the outbox (built by dispatch.ts from rules and templates). */
export interface NewNotification {
  /** Idempotency key, e.g. `INC-7:triggered:alice:sms:1`. */
  key: string;
  incident: string;
  event: NotifyEvent;
  userId?: string | undefined;
  channelId: string;
  channelType: ChannelType;
  target?: string | undefined;
  destination: string;
  payload: ChannelPayload;
  /** Epoch ms when it becomes due (now, or later for delayed rule steps). */
  dueAt: number;
  fallback?: FallbackSpec | undefined;
}

/**
 * Writes notifications as outbox rows, keeping one row per key (a second enqueue of the same
 * key is a no-op, so re-running a pass that enqueues is safe). Returns the keys that were new.
 */
export async function enqueueNotifications(
  store: Store,
  items: readonly NewNotification[],
  now: number,
): Promise<string[]> {
  return (await enqueueAndClaim(store, undefined, items, now)).enqueued;
}

/** Which pending notifications to cancel. */
export interface CancelFilter {
  /** One incident's key, or several (one statement per 500). */
  incident: string | readonly string[];
  /** Only these events (default: triggered and escalated, the paging ones). */
  events?: readonly NotifyEvent[];
  userId?: string;
}

/**
 * Cancels notifications that have not been sent yet (status pending), e.g. the SMS and email
 * steps of a rule when the incident is acknowledged first. Rows already being sent are left to
 * finish. Returns how many were cancelled.
 */
export async function cancelNotifications(store: Store, f: CancelFilter, now: number): Promise<number> {
  let cancelled = 0;
  for (const incidents of chunk(typeof f.incident === 'string' ? [f.incident] : f.incident, 500)) {
    let q = notifyDb(store)
      .updateTable('notify_outbox')
      .set({ status: 'cancelled', finished_at: now, last_error: 'cancelled' })
      .where('incident', 'in', incidents)
      .where('status', '=', 'pending')
      .where('event', 'in', [...(f.events ?? ['triggered', 'escalated'])]);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    cancelled += Number((await q.executeTakeFirst()).numUpdatedRows);
  }
  return cancelled;
}

/** One attempt in the delivery log. */
export interface DeliveryAttempt {
  at: number;
  outcome: 'delivered' | 'retryable' | 'permanent';
  httpStatus: number | null;
  error: string | null;
}

/** One notification with its attempts, as the delivery log shows it. */
export interface DeliveryRecord {
  key: string;
  incident: string;
  event: string;
  userId: string | null;
  channelId: string;
  channelType: string;
  target: string | null;
  destination: string;
  status: OutboxStatus;
  scheduledAt: number;
  attempts: number;
  lastError: string | null;
  lastStatus: number | null;
  finishedAt: number | null;
  log: DeliveryAttempt[];
}

/**
 * The delivery log of an incident: every notification (in creation order) with every attempt.
 * Errors are stored redacted, so this is safe to show in the UI and API.
 */
export async function listDeliveries(store: Store, q: { incident: string }): Promise<DeliveryRecord[]> {
  const db = notifyDb(store);
  const rows = await db
    .selectFrom('notify_outbox')
    .selectAll()
    .where('incident', '=', q.incident)
    .orderBy('id')
    .execute();
  const attempts = await db
    .selectFrom('notify_attempts')
    .selectAll()
    .where('incident', '=', q.incident)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    key: r.key,
    incident: r.incident,
    event: r.event,
    userId: r.user_id,
    channelId: r.channel_id,
    channelType: r.channel_type,
    target: r.target,
    destination: r.destination,
    status: r.status,
    scheduledAt: r.scheduled_at,
    attempts: r.attempts,
    lastError: r.last_error,
    lastStatus: r.last_status,
    finishedAt: r.finished_at,
    log: attempts
      .filter((a) => Number(a.notification_id) === Number(r.id))
      .map((a) => ({ at: a.at, outcome: a.outcome, httpStatus: a.http_status, error: a.error })),
  }));
}

/** Counts rows by status (for metrics and tests). */
export async function outboxCounts(store: Store): Promise<Record<OutboxStatus, number>> {
  const rows = await notifyDb(store)
    .selectFrom('notify_outbox')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, delivered: 0, failed: 0, cancelled: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}
