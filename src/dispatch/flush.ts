import type { Selectable } from 'kysely';
import { rowToAlert, type StoredAlert } from '../alerts/alert-store.ts';
import type { JobHandler } from '../engine/worker.ts';
import { scheduleJobsPlan, type NewJob } from '../engine/jobs.ts';
import type { IntakeGate } from '../engine/intake-gate.ts';
import { findOpenByGroupPlan } from '../incidents/incident-store.ts';
import { enqueueAndClaim, type DispatchContext, type Claimed, type OutboxClaimer } from '../notify/index.ts';
import {
  decideFlush,
  idleWakeAt,
  type FlushDecision,
  type NotificationLogEntry,
} from '../pipeline/group-timer.ts';
import { FOREVER } from '../ingest/normalize.ts';
import { anyTarget, InhibitionIndex } from '../pipeline/inhibit.ts';
import { isInMaintenance } from '../pipeline/maintenance.ts';
import { route, type RouteNode } from '../pipeline/routing.ts';
import type { Pipeline } from '../pipeline/setup.ts';
import { activeSilencesPlan } from '../pipeline/silence-store.ts';
import { isRouteMuted } from '../pipeline/time-intervals.ts';
import { plan, rowsOf, runPlan, runPlans, type Plan } from '../store/batch.ts';
import { chunk, parseStringMap, type Db } from '../store/db.ts';
import type { AlertsTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { busyDestinationsPlan, everyGroupDestination, groupDestination } from './busy-groups.ts';
import { flushChunks } from './flush-chunks.ts';
import { deleteGroupsPlan, loadGroupsPlan, recordFlushesPlan } from './group-store.ts';
import { noticesOf, type Considered } from './notices.ts';
import { flushJobKey, GROUP_FLUSH_JOB, routeById } from './schedule.ts';
import { groupMembership } from './visibility.ts';

/** What a group flush needs from the running server. */
export interface FlushDeps {
  pipeline: Pipeline;
  /** Channels and templates; absent when no channels are configured. */
  notify?: DispatchContext | undefined;
  externalUrl: string;
  /** Called after a flush committed notifications it did not claim, so delivery starts at once. */
  onEnqueued?: (() => void) | undefined;
  /**
   * The outbox runner: the flush claims the messages it enqueued in its own transaction and hands
   * them over after the commit, so they go out without a claim transaction of the runner's own.
   */
  claimer?: OutboxClaimer | undefined;
  /**
   * Pages before intake (ADR 0015): the first flushes of new groups count as urgent work while
   * they run, and each first message they claim until it is sent.
   */
  intake?: IntakeGate | undefined;
  /** How long an inhibition snapshot may be reused (default 1 s). */
  inhibitionTtlMs?: number;
}

/**
 * Reuses one inhibition index for a short while instead of rebuilding it for every group, and
 * builds it only for groups that hold a possible target: the index holds every firing alert that
 * matches a source, and under a storm of critical alerts with Alertmanager's example rule
 * (critical mutes warning) rebuilding it every second cost more than the flushes themselves
 * (docs/performance.md, session 19).
 */
class InhibitionSnapshot {
  private index: InhibitionIndex | undefined;
  private builtAt = -Infinity;
  constructor(private readonly deps: FlushDeps) {}
  /** The index for a flush of these alerts at `now`; undefined when none of them can be inhibited. */
  async indexFor(db: Db, alerts: Iterable<StoredAlert>, now: number): Promise<InhibitionIndex | undefined> {
    const rules = this.deps.pipeline.inhibitRules;
    if (!anyTarget(rules, alerts)) return undefined;
    if (!this.index || now - this.builtAt > (this.deps.inhibitionTtlMs ?? 1000)) {
      // Only what inhibition reads: not the annotations, the largest part of a row.
      const rows = await db
        .selectFrom('alerts')
        .select(['fingerprint', 'labels', 'starts_at'])
        .where('ends_at', '>', now)
        .execute();
      this.index = new InhibitionIndex(
        rules,
        rows.map((r) => ({
          fingerprint: r.fingerprint,
          labels: parseStringMap(r.labels),
          startsAt: r.starts_at,
          firing: true,
        })),
      );
      this.builtAt = now;
    }
    return this.index;
  }
}

/**
 * The `group.flush` job: one tick of an aggregation group, as Alertmanager's dispatcher and nflog
 * would do it, in one transaction. Silenced and inhibited alerts are left out; a muted route
 * (time intervals) or a service in maintenance flushes without notifying. When the decision is to
 * notify, the route's channels get a message carrying the group's incident and alerts, written to
 * the outbox in the same transaction as the notification log, so a crash can neither lose the
 * message nor send it twice. The next tick is re-armed, or the group is deleted once empty.
 */
export function groupFlushHandler(deps: FlushDeps): JobHandler {
  const inhibition = new InhibitionSnapshot(deps);
  /** One flush transaction; returns how many first messages (pages) it handed to the runner. */
  const run = async (keys: string[], store: Store, now: number): Promise<number> => {
    let out: Enqueued = { claimed: [], unclaimed: 0, pages: [] };
    await store.db.transaction().execute(async (trx) => {
      out = await flushGroups(trx, store, keys, now, deps, inhibition);
    });
    // A group's first message is a page: it stays urgent work until its send ends (ADR 0015).
    const gate = deps.intake;
    if (gate) for (const c of out.pages) c.done = () => gate.release();
    if (out.claimed.length > 0) deps.claimer?.adopt(out.claimed);
    if (out.unclaimed > 0) deps.onEnqueued?.();
    return out.pages.length;
  };
  /**
   * Runs flushes with the new groups' first ones counted as urgent work (one unit each, no longer
   * expected), then hands those units over to the pages they produced (ADR 0015).
   */
  const urgently = async (first: number, work: () => Promise<number>): Promise<void> => {
    deps.intake?.begin(first);
    let pages = 0;
    try {
      pages = await work();
    } finally {
      deps.intake?.handOver(first, pages);
    }
  };
  const keyOf = (payload: unknown): string | undefined => {
    const key = (payload as { groupKey?: unknown }).groupKey;
    return typeof key === 'string' ? key : undefined;
  };
  const isFirst = (payload: unknown): boolean => (payload as { first?: unknown }).first === true;
  const handler: JobHandler = async (job, { store, now }) => {
    const key = keyOf(job.payload);
    if (key !== undefined) await urgently(isFirst(job.payload) ? 1 : 0, () => run([key], store, now));
  };
  // Groups due at once are flushed in chunks of a few thousand alerts (`flushChunks`), each chunk
  // in one transaction with one read of its alerts.
  handler.batch = async (jobs, { store, now }) => {
    const keys = [...new Set(jobs.map((j) => keyOf(j.payload)).filter((k): k is string => k !== undefined))];
    await urgently(jobs.filter((j) => isFirst(j.payload)).length, async () => {
      let pages = 0;
      for (const part of await flushChunks(store.db, keys)) pages += await run(part, store, now);
      return pages;
    });
  };
  return handler;
}

/** Every alert of these groups, one after the other. */
function* allOf(members: ReadonlyMap<string, readonly StoredAlert[]>): Iterable<StoredAlert> {
  for (const list of members.values()) yield* list;
}

/** Reads the alerts of many groups with one query per 500 groups. */
function alertsOfGroupsPlan(db: Db, keys: readonly string[]): Plan<Map<string, StoredAlert[]>> {
  return plan(
    chunk(keys, 500).map((part) => db.selectFrom('alerts').selectAll().where('group_key', 'in', part)),
    (results) => {
      const out = new Map<string, StoredAlert[]>();
      for (const r of results)
        for (const row of rowsOf<Selectable<AlertsTable>>(r)) {
          const a = rowToAlert(row);
          const list = out.get(a.groupKey);
          if (list) list.push(a);
          else out.set(a.groupKey, [a]);
        }
      return out;
    },
  );
}

/** What a flush put in the outbox: the rows it claimed for the runner, and how many new ones it did not. */
interface Enqueued {
  claimed: Claimed[];
  unclaimed: number;
  /** The claimed rows that are a group's first message (pages). */
  pages: Claimed[];
}

// The flush's statements go to the store in four round trips, whatever the number of groups: the
// reads (with the check for groups still sending, unless the channels make that list long); the
// new outbox rows; their payloads, the claim and the flush's own writes; the commit. Without
// notifications it is three. On SQLite each round trip is a message to the store's thread and a
// chance for other work on the event loop to delay the rest (docs/adr/0014-statement-batches.md).
async function flushGroups(
  db: Db,
  store: Store,
  keys: readonly string[],
  now: number,
  deps: FlushDeps,
  snapshot: InhibitionSnapshot,
): Promise<Enqueued> {
  const channels = deps.notify?.channels;
  const early = everyGroupDestination(channels, keys);
  const [groups, members, silences, open, busyEarly] = await runPlans(
    db,
    loadGroupsPlan(db, keys),
    alertsOfGroupsPlan(db, keys),
    activeSilencesPlan(db, now),
    findOpenByGroupPlan(db, deps.notify ? keys : []),
    busyDestinationsPlan(db, early ?? []),
  );
  if (groups.size === 0) return { claimed: [], unclaimed: 0, pages: [] };
  const inhibition = await snapshot.indexFor(db, allOf(members), now);
  const rearm = new Map<string, NewJob>();
  /** Leaves the group as it is and tries again one group_interval later. */
  const nextTick = (key: string, node: RouteNode): void => {
    rearm.set(key, {
      kind: GROUP_FLUSH_JOB,
      key: flushJobKey(key),
      runAt: now + node.groupIntervalMs,
      payload: { groupKey: key },
    });
  };

  const considered: Considered[] = [];
  for (const group of groups.values()) {
    const node = routeById(deps.pipeline.tree, group.routeId) ?? deps.pipeline.tree;
    const alerts = members.get(group.groupKey) ?? [];
    const membership = groupMembership(alerts, silences, inhibition, group.lastNotification, now);
    const ids = channelsFor(deps.pipeline, membership.visible[0]?.labels ?? {}, node.channels);
    const queues = ids.flatMap((id) => {
      const ch = channels?.get(id);
      return ch?.type === 'webhook' ? [groupDestination(ch, group.groupKey)] : [];
    });
    considered.push({ group, node, alerts, membership, channels: ids, queues });
  }
  // A group whose previous webhook message is still undelivered skips this tick (Alertmanager's
  // tick blocks while it notifies): each message carries the whole group, so a queue of them
  // would only repeat it, and under load grow without bound.
  const busy = early
    ? busyEarly
    : await runPlan(
        db,
        busyDestinationsPlan(
          db,
          considered.flatMap((c) => c.queues),
        ),
      );

  const removed: string[] = [];
  const destroyed: string[] = [];
  const flushed: Array<{ key: string; entry: NotificationLogEntry | undefined }> = [];
  const notices: Array<Considered & { decision: FlushDecision }> = [];
  for (const c of considered) {
    const { group, node, alerts, membership: m } = c;
    const key = group.groupKey;
    if (c.queues.some((d) => busy.has(d))) {
      nextTick(key, node);
      continue;
    }
    const visible = m.visible;
    const service = node.service ?? alerts[0]?.labels['service'] ?? '';
    const muted =
      isRouteMuted(node, deps.pipeline.timeIntervals, now) ||
      isInMaintenance(service, deps.pipeline.maintenance, now);
    const decided = decideFlush(
      {
        createdAt: group.createdAt,
        lastFlushAt: group.lastFlushAt,
        lastNotification: group.lastNotification,
        alerts: visible.map((a) => ({ fingerprint: a.fingerprint, startsAt: a.startsAt, endsAt: a.endsAt })),
      },
      {
        groupWaitMs: node.groupWaitMs,
        groupIntervalMs: node.groupIntervalMs,
        repeatIntervalMs: node.repeatIntervalMs,
        sendResolved: true,
        muted,
      },
      now,
    );
    const decision = keepMuted(decided, m, node.groupIntervalMs, now);
    if (decision.due) {
      flushed.push({ key, entry: decision.notify ? decision.logEntry : undefined });
      removed.push(...decision.remove, ...m.dropped);
      if (decision.destroy) destroyed.push(key);
      if (decision.notify && decision.deliver && deps.notify) notices.push({ ...c, decision });
    }
    if (!decision.destroy && decision.nextCheckAt !== undefined) {
      // With every alert visible and nothing muted, only time (an endsAt, the repeat interval) or a
      // new alert (ingest arms the timer) can change what this group would send: sleep until then.
      const quiet = decision.due && !muted && m.visible.length === alerts.length && m.held.length === 0;
      const last = decision.notify ? decision.logEntry : group.lastNotification;
      rearm.set(key, {
        kind: GROUP_FLUSH_JOB,
        key: flushJobKey(key),
        runAt: quiet
          ? idleWakeAt(
              now,
              visible.filter((a) => a.endsAt > now).map((a) => a.endsAt),
              last?.at,
              { ...node, sendResolved: true },
              FOREVER,
            )
          : decision.nextCheckAt,
        payload: { groupKey: key },
      });
    }
  }

  const { items, first } = deps.notify
    ? await noticesOf(db, deps.notify, open, notices, now, deps.externalUrl)
    : { items: [], first: new Set<string>() };
  const writes = [
    recordFlushesPlan(db, flushed, now),
    plan(
      chunk(removed, 500).map((part) =>
        db
          .updateTable('alerts')
          .set({ group_key: '' })
          .where('fingerprint', 'in', part)
          .where('ends_at', '<=', now),
      ),
      () => undefined,
    ),
    deleteGroupsPlan(db, destroyed),
    scheduleJobsPlan(db, [...rearm.values()], now, 'replace'),
  ];
  if (items.length === 0) {
    await runPlans(db, ...writes);
    return { claimed: [], unclaimed: 0, pages: [] };
  }
  const out = await enqueueAndClaim({ ...store, db }, deps.claimer?.claimContext(), items, now, writes);
  // A new row the claim did not take (behind an older head, paced, paused) waits for a pass.
  const taken = new Set(out.claimed.map((c) => c.row.key));
  return {
    claimed: out.claimed,
    unclaimed: out.enqueued.filter((k) => !taken.has(k)).length,
    pages: out.claimed.filter((c) => first.has(c.row.key)),
  };
}

/**
 * Adjusts a flush decision made over the visible alerts for the muted ones (Alertmanager: muting
 * happens inside the notification pipeline, not in the aggregation group): with nothing visible
 * nothing is notified or logged; the group lives on while a muted alert fires or a resolved notice
 * is held back; and held-back alerts stay in the logged firing set, so their resolved notice is
 * still owed when the silence ends.
 */
function keepMuted(
  d: FlushDecision,
  m: ReturnType<typeof groupMembership>,
  groupIntervalMs: number,
  now: number,
): FlushDecision {
  if (!d.due) return d;
  let out = d;
  if (m.visible.length === 0 && out.notify)
    out = { ...out, notify: false, deliver: false, skipped: 'all alerts muted' };
  if (out.destroy && (m.anyFiring || m.held.length > 0))
    out = { ...out, destroy: false, nextCheckAt: now + groupIntervalMs };
  if (out.logEntry && m.held.length > 0)
    out = {
      ...out,
      logEntry: { ...out.logEntry, firing: [...new Set([...out.logEntry.firing, ...m.held])] },
    };
  return out;
}

/** The channels of every route the group's alerts take (the primary route and `continue` ones). */
function channelsFor(
  pipeline: Pipeline,
  labels: Record<string, string>,
  primary: readonly string[],
): string[] {
  const all = new Set(primary);
  for (const node of route(pipeline.tree, labels)) for (const c of node.channels) all.add(c);
  return [...all];
}
