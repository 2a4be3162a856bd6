import { plan, rowsOf, runPlans, type Plan } from '../store/batch.ts';
import { chunk, rawQuery, valuesList } from '../store/db.ts';
import { serializePayload } from './channels/index.ts';
import { backoffMs, type RetryPolicy } from './backoff.ts';
import {
  claimHeads,
  headsOf,
  headsPlan,
  type Claimed,
  type ClaimContext,
  type NotifyDb,
} from './outbox-claim.ts';
import type { FallbackSpec } from './outbox.ts';
import { insertOutboxRows } from './outbox-tables.ts';
import type { DeliveryOutcome } from './types.ts';

/** A finished send, waiting to be recorded. */
export interface SendResult {
  claimed: Claimed;
  outcome: DeliveryOutcome;
  /** When the send started (a paced destination's next slot counts from here). */
  startedAt: number;
}

/** What one record transaction wrote, and the follow-on heads it claimed. */
export interface RecordResult {
  delivered: number;
  retrying: number;
  failed: number;
  fallbacks: number;
  /** Next heads of the destinations that finished, claimed in the same transaction. */
  followOns: Claimed[];
}

/** What recording needs besides the outcomes. */
export interface RecordContext extends ClaimContext {
  retry: RetryPolicy;
  random: () => number;
}

/**
 * Records a batch of outcomes in the caller's transaction — the attempt rows in one insert, the
 * delivered rows in one update per HTTP status, failures and retries one by one (with their
 * fallback rows and Retry-After pauses) — and releases claimed rows that were not sent. Every
 * write is conditional on this pass still holding the lease. Then it claims, in the same
 * transaction, the next head of every destination whose head finished (and of every destination
 * that got a fallback row), at most `budget` of them, so a destination's chain continues without
 * a commit of its own and never has two messages in flight.
 */
export async function recordOutcomes(
  db: NotifyDb,
  ctx: RecordContext,
  results: readonly SendResult[],
  released: readonly Claimed[],
  now: number,
  budget: number,
): Promise<RecordResult> {
  const out: RecordResult = { delivered: 0, retrying: 0, failed: 0, fallbacks: 0, followOns: [] };
  const next = new Set<string>(); // destinations whose next head may be sent now
  const error = (r: SendResult): string | null =>
    r.outcome.kind === 'delivered'
      ? null
      : (ctx.channels.get(r.claimed.row.channel_id)?.redact(r.outcome.error) ?? r.outcome.error);

  // The attempts and the delivered rows in one message to the store (the common case, all delivered).
  const delivered = results.filter((r) => r.outcome.kind === 'delivered');
  out.delivered = delivered.length;
  // When every outcome is a delivery to an unpaced channel, the next heads of their destinations
  // are read in the same message, after the rows are marked (the common case: no second round
  // trip). Otherwise they are read once the failures, fallbacks and pacing slots are written.
  const simple =
    budget > 0 &&
    delivered.length === results.length &&
    released.length === 0 &&
    results.every((r) => (ctx.channels.get(r.claimed.row.channel_id)?.minIntervalMs ?? 0) === 0);
  const candidates = simple ? [...new Set(delivered.map((r) => r.claimed.row.destination))].sort() : [];
  const [, finished, early] = await runPlans(
    db,
    plan(
      chunk(results, 100).map((part) => {
        const params: unknown[] = [];
        for (const r of part)
          params.push(
            r.claimed.row.id,
            r.claimed.row.incident,
            now,
            r.outcome.kind,
            r.outcome.status ?? null,
            error(r),
            ctx.owner,
          );
        return rawQuery(
          db,
          `insert into notify_attempts (notification_id, incident, at, outcome, http_status, error, owner) values ${valuesList(part.length, 7)}`,
          params,
        );
      }),
      () => undefined,
    ),
    deliveredPlan(db, ctx.owner, delivered, now),
    headsPlan(db, candidates, now),
  );
  for (const d of finished) next.add(d);

  for (const r of delivered) {
    // The first message's reference (Slack ts, …), so that follow-ups thread under it.
    if (r.outcome.kind !== 'delivered' || !r.outcome.ref || r.claimed.row.event !== 'triggered') continue;
    await db
      .insertInto('notify_refs')
      .values({
        incident: r.claimed.row.incident,
        channel_id: r.claimed.row.channel_id,
        target: r.claimed.row.target ?? '',
        ref: r.outcome.ref,
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['incident', 'channel_id', 'target']).doNothing())
      .execute();
  }

  for (const r of results) {
    if (r.outcome.kind === 'delivered') continue;
    const row = r.claimed.row;
    const mine = db
      .updateTable('notify_outbox')
      .where('id', '=', row.id)
      .where('lease_owner', '=', ctx.owner);
    const giveUp =
      r.outcome.kind === 'permanent' ||
      (r.outcome.kind === 'retryable' && row.attempts >= ctx.retry.maxAttempts);
    if (giveUp) {
      out.failed++;
      const res = await mine
        .set({
          status: 'failed',
          finished_at: now,
          lease_owner: null,
          lease_until: null,
          last_status: r.outcome.status ?? null,
          last_error: error(r),
        })
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) next.add(row.destination);
      const fallback = row.fallback ? await enqueueFallback(db, r, now) : undefined;
      if (fallback !== undefined) {
        out.fallbacks++;
        next.add(fallback);
      }
      continue;
    }
    out.retrying++;
    const retryAfterMs = r.outcome.kind === 'retryable' ? r.outcome.retryAfterMs : undefined;
    const wait = Math.max(backoffMs(row.attempts, ctx.retry, ctx.random), retryAfterMs ?? 0);
    const res = await mine
      .set({
        status: 'pending',
        next_attempt_at: now + wait,
        lease_owner: null,
        lease_until: null,
        last_status: r.outcome.status ?? null,
        last_error: error(r),
      })
      .executeTakeFirst();
    if (wait === 0 && Number(res.numUpdatedRows) === 1) next.add(row.destination);
    // Pause the whole destination (the row may not exist yet for unpaced channels).
    if (retryAfterMs) await holdDestination(db, row.destination, now + retryAfterMs);
  }

  for (const r of results) {
    // A paced send that waited in this pass's queue: its slot counts from when it really went out.
    const interval = ctx.channels.get(r.claimed.row.channel_id)?.minIntervalMs ?? 0;
    if (interval > 0 && r.startedAt > r.claimed.claimedAt)
      await holdDestination(db, r.claimed.row.destination, r.startedAt + interval);
  }

  for (const part of chunk(released, 500)) {
    await db
      .updateTable('notify_outbox')
      .set((eb) => ({
        status: 'pending',
        lease_owner: null,
        lease_until: null,
        attempts: eb('attempts', '-', 1),
      }))
      .where(
        'id',
        'in',
        part.map((c) => c.row.id),
      )
      .where('lease_owner', '=', ctx.owner)
      .execute();
  }

  if (budget > 0 && next.size > 0) {
    const heads = simple
      ? early.filter((h) => next.has(h.destination))
      : await headsOf(db, [...next].sort(), now);
    out.followOns = await claimHeads(db, ctx, heads, now, budget);
  }
  return out;
}

/** Inserts the fallback row of a failed notification (once per key); returns its destination if new. */
async function enqueueFallback(db: NotifyDb, r: SendResult, now: number): Promise<string | undefined> {
  const row = r.claimed.row;
  if (!row.fallback) return undefined;
  const fb = JSON.parse(row.fallback) as FallbackSpec;
  const inserted = await insertOutboxRows(db, [
    {
      row: {
        key: `${row.key}:fallback`,
        incident: row.incident,
        event: row.event,
        user_id: row.user_id,
        channel_id: fb.channelId,
        channel_type: fb.channelType,
        target: fb.target ?? null,
        destination: fb.destination,
        fallback: null,
        status: 'pending',
        scheduled_at: now,
        next_attempt_at: now,
        attempts: 0,
        created_at: now,
      },
      payload: serializePayload(fb.payload),
    },
  ]);
  return inserted.length > 0 ? fb.destination : undefined;
}

/** Moves a destination's `next_allowed_at` forward to `until` (creating its row if needed). */
async function holdDestination(db: NotifyDb, destination: string, until: number): Promise<void> {
  await db
    .insertInto('notify_destinations')
    .values({ destination, next_allowed_at: until })
    .onConflict((oc) =>
      oc
        .column('destination')
        .doUpdateSet({ next_allowed_at: until })
        .where('notify_destinations.next_allowed_at', '<', until),
    )
    .execute();
}

/**
 * Marks delivered rows done, one update per HTTP status and 500 rows, each only while this pass
 * holds the lease; reads the destinations of the rows it marked.
 */
function deliveredPlan(
  db: NotifyDb,
  owner: string,
  delivered: readonly SendResult[],
  now: number,
): Plan<string[]> {
  const byStatus = new Map<number | null, SendResult[]>();
  for (const r of delivered) {
    const s = r.outcome.status ?? null;
    const group = byStatus.get(s);
    if (group) group.push(r);
    else byStatus.set(s, [r]);
  }
  const queries = [...byStatus].flatMap(([status, group]) =>
    chunk(group, 500).map((part) =>
      db
        .updateTable('notify_outbox')
        .set({
          status: 'delivered',
          finished_at: now,
          lease_owner: null,
          lease_until: null,
          last_status: status,
          last_error: null,
        })
        .where(
          'id',
          'in',
          part.map((r) => r.claimed.row.id),
        )
        .where('lease_owner', '=', owner)
        .returning('destination'),
    ),
  );
  return plan(queries, (results) =>
    results.flatMap((r) => rowsOf<{ destination: string }>(r).map((d) => d.destination)),
  );
}
