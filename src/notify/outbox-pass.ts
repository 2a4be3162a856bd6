import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../engine/clock.ts';
import type { Store } from '../store/store.ts';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './backoff.ts';
import type { Channel, ChannelPayload } from './channels/index.ts';
import type { FallbackSpec } from './outbox.ts';
import { notifyDb, type NotifyOutboxTable } from './outbox-tables.ts';
import type { DeliveryOutcome, FetchLike } from './types.ts';
import type { Selectable } from 'kysely';

type Row = Selectable<NotifyOutboxTable>;

/** What one outbox pass needs. Everything stateful is in the store; nothing is kept between passes. */
export interface OutboxPassOptions {
  store: Store;
  /** Configured channels by id. */
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  /** HTTP client (global fetch by default; tests inject a loopback-only one). */
  fetch?: FetchLike;
  /** Identifies this pass's leases; unique per call by default. */
  owner?: string;
  /** Randomness for jitter (Math.random by default). */
  random?: () => number;
  /** How long a claim is held before another pass may take it over (default 60 s). */
  leaseMs?: number;
  retry?: RetryPolicy;
  /** Most sends in one pass (default 1000). */
  maxSends?: number;
  /** Most destinations worked on at once (default 16). */
  concurrency?: number;
}

/** What a pass did. */
export interface OutboxPassResult {
  sent: number;
  delivered: number;
  retrying: number;
  failed: number;
  fallbacks: number;
}

const ACTIVE = ['pending', 'sending'] as const;

/**
 * Claims due notifications, sends them and records the outcome — one idempotent pass, safe to
 * run again at any time, after a crash, or from several processes at once:
 *
 * - Each destination is a queue: only its head (oldest due, unfinished row) is ever sent, so order
 *   is kept per destination; a head waiting for its retry blocks only its own destination.
 * - Destinations are worked on concurrently, each in its own chain, so a slow or dead endpoint
 *   (bounded by the channel timeout) never delays the others.
 * - A claim is a lease in the row (`status = sending`, `lease_until`); a crashed pass's rows become
 *   claimable again when the lease expires, and are sent again — the "at most one duplicate".
 * - 5xx / timeouts / connection errors back off exponentially with full jitter; 429 honours
 *   Retry-After (and pauses the destination); other 4xx fail permanently and go to the fallback.
 */
export async function runOutboxPass(opts: OutboxPassOptions): Promise<OutboxPassResult> {
  const o = {
    owner: opts.owner ?? randomUUID(),
    random: opts.random ?? Math.random,
    leaseMs: opts.leaseMs ?? 60_000,
    retry: opts.retry ?? DEFAULT_RETRY,
    maxSends: opts.maxSends ?? 1000,
    fetch: opts.fetch ?? ((input: string, init: RequestInit) => fetch(input, init)),
  };
  const result: OutboxPassResult = { sent: 0, delivered: 0, retrying: 0, failed: 0, fallbacks: 0 };
  const heads = await dueHeads(opts.store, opts.clock.now());
  // Work items: a head row, or a destination whose head is read when its turn comes (fallbacks).
  const queue: (Row | string)[] = [...heads];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      let row: Row | undefined =
        typeof item === 'string' ? await headOf(opts.store, item, opts.clock.now()) : item;
      while (row && result.sent < o.maxSends) {
        const claimed = await claim(opts, o.owner, o.leaseMs, row);
        if (!claimed) break;
        result.sent++;
        const fallbackDestination = await deliver(opts, o, claimed, result);
        if (fallbackDestination) queue.push(fallbackDestination);
        row = await headOf(opts.store, row.destination, opts.clock.now());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 16) }, worker));
  return result;
}

function activeAndDue(now: number) {
  return sql<boolean>`o.status in ('pending', 'sending') and o.scheduled_at <= ${now} and not exists (
    select 1 from notify_outbox p where p.destination = o.destination
      and p.status in ('pending', 'sending') and p.scheduled_at <= ${now}
      and (p.scheduled_at < o.scheduled_at or (p.scheduled_at = o.scheduled_at and p.id < o.id)))`;
}

/** The head row of every destination that has one due. */
async function dueHeads(store: Store, now: number): Promise<Row[]> {
  return notifyDb(store)
    .selectFrom('notify_outbox as o')
    .selectAll('o')
    .where(activeAndDue(now))
    .orderBy('o.id')
    .execute();
}

async function headOf(store: Store, destination: string, now: number): Promise<Row | undefined> {
  return notifyDb(store)
    .selectFrom('notify_outbox as o')
    .selectAll('o')
    .where('o.destination', '=', destination)
    .where(activeAndDue(now))
    .executeTakeFirst();
}

/** Takes the pacing slot and the row's lease; returns the claimed row or undefined. */
async function claim(
  opts: OutboxPassOptions,
  owner: string,
  leaseMs: number,
  row: Row,
): Promise<Row | undefined> {
  const now = opts.clock.now();
  if (row.next_attempt_at > now || (row.status === 'sending' && (row.lease_until ?? 0) > now))
    return undefined;
  const db = notifyDb(opts.store);
  const channel = opts.channels.get(row.channel_id);
  const interval = channel?.minIntervalMs ?? 0;
  if (interval === 0) {
    // No pacing for this channel: only a Retry-After pause can hold it, and reading that is enough
    // (a write per message would cost a commit each).
    const pause = await db
      .selectFrom('notify_destinations')
      .select('next_allowed_at')
      .where('destination', '=', row.destination)
      .executeTakeFirst();
    if (pause && pause.next_allowed_at > now) return undefined;
  } else {
    await db
      .insertInto('notify_destinations')
      .values({ destination: row.destination, next_allowed_at: 0 })
      .onConflict((oc) => oc.column('destination').doNothing())
      .execute();
    const slot = await db
      .updateTable('notify_destinations')
      .set({ next_allowed_at: now + interval })
      .where('destination', '=', row.destination)
      .where('next_allowed_at', '<=', now)
      .executeTakeFirst();
    if (Number(slot.numUpdatedRows) !== 1) return undefined;
  }
  const res = await db
    .updateTable('notify_outbox')
    .set((eb) => ({
      status: 'sending',
      lease_owner: owner,
      lease_until: now + leaseMs,
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', row.id)
    .where('status', 'in', [...ACTIVE])
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return undefined;
  return {
    ...row,
    status: 'sending',
    lease_owner: owner,
    lease_until: now + leaseMs,
    attempts: row.attempts + 1,
  };
}

async function deliver(
  opts: OutboxPassOptions,
  o: { owner: string; random: () => number; retry: RetryPolicy; fetch: FetchLike },
  row: Row,
  result: OutboxPassResult,
): Promise<string | undefined> {
  const db = notifyDb(opts.store);
  const channel = opts.channels.get(row.channel_id);
  let outcome: DeliveryOutcome;
  if (!channel) {
    outcome = { kind: 'permanent', error: `channel ${row.channel_id} is not configured` };
  } else {
    const ref =
      row.event === 'triggered'
        ? undefined
        : await db
            .selectFrom('notify_refs')
            .select('ref')
            .where('incident', '=', row.incident)
            .where('channel_id', '=', row.channel_id)
            .where('target', '=', row.target ?? '')
            .executeTakeFirst();
    outcome = await channel.send(JSON.parse(row.payload) as ChannelPayload, row.target ?? undefined, {
      fetch: o.fetch,
      timeoutMs: channel.timeoutMs,
      now: opts.clock.now(),
      key: row.key,
      ref: ref?.ref,
    });
  }
  const now = opts.clock.now();
  const error = outcome.kind === 'delivered' ? null : (channel?.redact(outcome.error) ?? outcome.error);
  const giveUp =
    outcome.kind === 'permanent' || (outcome.kind === 'retryable' && row.attempts >= o.retry.maxAttempts);
  let fallbackDestination: string | undefined;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('notify_attempts')
      .values({
        notification_id: row.id,
        incident: row.incident,
        at: now,
        outcome: outcome.kind,
        http_status: outcome.status ?? null,
        error,
        owner: o.owner,
      })
      .execute();
    const mine = trx.updateTable('notify_outbox').where('id', '=', row.id).where('lease_owner', '=', o.owner);
    if (outcome.kind === 'delivered') {
      result.delivered++;
      await mine
        .set({
          status: 'delivered',
          finished_at: now,
          lease_owner: null,
          lease_until: null,
          last_status: outcome.status ?? null,
          last_error: null,
        })
        .execute();
      if (outcome.ref && row.event === 'triggered') {
        await trx
          .insertInto('notify_refs')
          .values({
            incident: row.incident,
            channel_id: row.channel_id,
            target: row.target ?? '',
            ref: outcome.ref,
            created_at: now,
          })
          .onConflict((oc) => oc.columns(['incident', 'channel_id', 'target']).doNothing())
          .execute();
      }
    } else if (giveUp) {
      result.failed++;
      await mine
        .set({
          status: 'failed',
          finished_at: now,
          lease_owner: null,
          lease_until: null,
          last_status: outcome.status ?? null,
          last_error: error,
        })
        .execute();
      if (row.fallback) {
        const fb = JSON.parse(row.fallback) as FallbackSpec;
        const ins = await trx
          .insertInto('notify_outbox')
          .values({
            key: `${row.key}:fallback`,
            incident: row.incident,
            event: row.event,
            user_id: row.user_id,
            channel_id: fb.channelId,
            channel_type: fb.channelType,
            target: fb.target ?? null,
            destination: fb.destination,
            payload: JSON.stringify(fb.payload),
            fallback: null,
            status: 'pending',
            scheduled_at: now,
            next_attempt_at: now,
            attempts: 0,
            created_at: now,
          })
          .onConflict((oc) => oc.column('key').doNothing())
          .executeTakeFirst();
        if (Number(ins.numInsertedOrUpdatedRows ?? 0) > 0) {
          result.fallbacks++;
          fallbackDestination = fb.destination;
        }
      }
    } else {
      result.retrying++;
      const retryAfterMs = outcome.kind === 'retryable' ? outcome.retryAfterMs : undefined;
      const wait = Math.max(backoffMs(row.attempts, o.retry, o.random), retryAfterMs ?? 0);
      await mine
        .set({
          status: 'pending',
          next_attempt_at: now + wait,
          lease_owner: null,
          lease_until: null,
          last_status: outcome.status ?? null,
          last_error: error,
        })
        .execute();
      if (retryAfterMs) {
        // Pause the whole destination (the row may not exist yet for unpaced channels).
        await trx
          .insertInto('notify_destinations')
          .values({ destination: row.destination, next_allowed_at: now + retryAfterMs })
          .onConflict((oc) =>
            oc
              .column('destination')
              .doUpdateSet({ next_allowed_at: now + retryAfterMs })
              .where('notify_destinations.next_allowed_at', '<', now + retryAfterMs),
          )
          .execute();
      }
    }
  });
  return fallbackDestination;
}
