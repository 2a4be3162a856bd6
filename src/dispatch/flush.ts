import { listAlerts, rowToAlert, type StoredAlert } from '../alerts/alert-store.ts';
import type { JobHandler } from '../engine/worker.ts';
import { scheduleJob } from '../engine/jobs.ts';
import { findOpenByGroup, getIncidentByNumber } from '../incidents/incident-store.ts';
import type { Incident } from '../incidents/incident.ts';
import {
  enqueueNotifications,
  routeNotifications,
  type DispatchContext,
  type NewNotification,
} from '../notify/index.ts';
import { groupLabels } from '../pipeline/group-key.ts';
import { decideFlush } from '../pipeline/group-timer.ts';
import { InhibitionIndex } from '../pipeline/inhibit.ts';
import { isInMaintenance } from '../pipeline/maintenance.ts';
import { route } from '../pipeline/routing.ts';
import type { Pipeline } from '../pipeline/setup.ts';
import { activeSilencesAt } from '../pipeline/silence-store.ts';
import { silencedBy } from '../pipeline/silences.ts';
import { isRouteMuted } from '../pipeline/time-intervals.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import { deleteGroup, loadGroups, recordFlush } from './group-store.ts';
import { incidentViewFor } from './incident-view.ts';
import { flushJobKey, GROUP_FLUSH_JOB, routeById } from './schedule.ts';

/** What a group flush needs from the running server. */
export interface FlushDeps {
  pipeline: Pipeline;
  /** Channels and templates; absent when no channels are configured. */
  notify?: DispatchContext | undefined;
  externalUrl: string;
  /** Called after a flush committed notifications, so delivery starts at once. */
  onEnqueued?: (() => void) | undefined;
  /** How long an inhibition snapshot may be reused (default 1 s). */
  inhibitionTtlMs?: number;
}

/** Reuses one inhibition index for a short while instead of rebuilding it for every group. */
class InhibitionSnapshot {
  private index: InhibitionIndex | undefined;
  private builtAt = -Infinity;
  constructor(private readonly deps: FlushDeps) {}
  async get(db: Db, now: number): Promise<InhibitionIndex | undefined> {
    if (this.deps.pipeline.inhibitRules.length === 0) return undefined;
    if (!this.index || now - this.builtAt > (this.deps.inhibitionTtlMs ?? 1000)) {
      const firing = await listAlerts(db, { firingAt: now });
      this.index = new InhibitionIndex(
        this.deps.pipeline.inhibitRules,
        firing.map((a) => ({
          fingerprint: a.fingerprint,
          labels: a.labels,
          startsAt: a.startsAt,
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
  return async (job, { store, now }) => {
    const key = (job.payload as { groupKey?: unknown }).groupKey;
    if (typeof key !== 'string') return;
    let enqueued = 0;
    await store.db.transaction().execute(async (trx) => {
      enqueued = await flushGroup(trx, store, key, now, deps, await inhibition.get(trx, now));
    });
    if (enqueued > 0) deps.onEnqueued?.();
  };
}

async function flushGroup(
  db: Db,
  store: Store,
  key: string,
  now: number,
  deps: FlushDeps,
  inhibition: InhibitionIndex | undefined,
): Promise<number> {
  const group = (await loadGroups(db, [key])).get(key);
  if (!group) return 0;
  const node = routeById(deps.pipeline.tree, group.routeId) ?? deps.pipeline.tree;
  const members = await db.selectFrom('alerts').selectAll().where('group_key', '=', key).execute();
  const alerts: StoredAlert[] = members.map(rowToAlert);
  const silences = await activeSilencesAt(db, now);
  const visible = alerts.filter(
    (a) =>
      silencedBy(a.labels, silences, now).length === 0 &&
      (!inhibition || inhibition.inhibitedBy(a).length === 0),
  );
  const service = node.service ?? alerts[0]?.labels['service'] ?? '';
  const muted =
    isRouteMuted(node, deps.pipeline.timeIntervals, now) ||
    isInMaintenance(service, deps.pipeline.maintenance, now);
  const decision = decideFlush(
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
  if (!decision.due) {
    if (decision.nextCheckAt !== undefined) await rearm(db, key, decision.nextCheckAt, now);
    return 0;
  }
  let enqueued = 0;
  if (decision.notify && decision.deliver && deps.notify) {
    const channels = channelsFor(deps.pipeline, visible[0]?.labels ?? {}, node.channels);
    const inc = await incidentOf(db, key);
    if (inc && channels.length > 0) {
      const shown = visible.filter(
        (a) => decision.firing.includes(a.fingerprint) || decision.resolved.includes(a.fingerprint),
      );
      const view = {
        ...incidentViewFor(inc, shown, now, deps.externalUrl),
        group: { key, labels: groupLabels(node, visible[0]?.labels ?? {}) },
      };
      const event = decision.reason === 'all alerts resolved' ? 'resolved' : 'triggered';
      const items: NewNotification[] = routeNotifications(deps.notify, {
        channelIds: channels,
        event,
        view,
        dueAt: now,
        occurrence: `${key}#${group.flushes + 1}`,
      }).map((n) => (n.channelType === 'webhook' ? { ...n, destination: `${n.destination}#${key}` } : n));
      enqueued = (await enqueueNotifications({ ...store, db }, items, now)).length;
    }
  }
  await recordFlush(db, key, now, decision.notify ? decision.logEntry : undefined);
  if (decision.remove.length > 0) {
    await db
      .updateTable('alerts')
      .set({ group_key: '' })
      .where('fingerprint', 'in', decision.remove)
      .where('ends_at', '<=', now)
      .execute();
  }
  if (decision.destroy) await deleteGroup(db, key);
  else if (decision.nextCheckAt !== undefined) await rearm(db, key, decision.nextCheckAt, now);
  return enqueued;
}

async function rearm(db: Db, key: string, at: number, now: number): Promise<void> {
  await scheduleJob(
    db,
    { kind: GROUP_FLUSH_JOB, key: flushJobKey(key), runAt: at, payload: { groupKey: key } },
    now,
    'replace',
  );
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

async function incidentOf(db: Db, key: string): Promise<Incident | undefined> {
  const open = await findOpenByGroup(db, [key]);
  if (open.has(key)) return open.get(key);
  const row = await db
    .selectFrom('incidents')
    .select('number')
    .where('group_key', '=', key)
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? getIncidentByNumber(db, row.number) : undefined;
}
