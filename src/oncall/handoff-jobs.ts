import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import { cancelJobs, listJobs, scheduleJob } from '../engine/jobs.ts';
import type { JobHandler } from '../engine/worker.ts';
import {
  enqueueNotifications,
  userNotifications,
  type DispatchContext,
  type IncidentView,
  type NewNotification,
  type UserConfig as NotifyUser,
} from '../notify/index.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import { oncallCatalog } from './catalog.ts';
import { handoffs, shiftChanges, type ShiftChange } from './handoffs.ts';
import type { Override } from './model.ts';
import { listOverrides, pureOverride, type OverrideChangeHook } from './override-store.ts';
import { shifts } from './resolve.ts';

/**
 * Handoff notices as durable jobs. `scheduleHandoffs` plans one `oncall.handoff` job per change
 * of who is on call within a horizon (key `handoff:<schedule>:<at>`, due `at − lead`); the job
 * re-checks that the handoff still happens (and drops a notice found more than 15 minutes after
 * its handoff), sends a `handoff` notification to the outgoing and
 * incoming users (their immediate contact methods, as for any informational event) and re-plans
 * that schedule. An `oncall.handoff_plan` job every 6 hours extends the horizon, so schedules with
 * long turns are covered too. When a runtime override changes someone's upcoming on-call time,
 * an `oncall.shift_changed` job (committed with the override) tells the affected users.
 *
 * The lead time is 10 minutes unless the module is given another one; a schedule entry may carry
 * `handoff_notice_minutes` once the schedule schema accepts it (read leniently here).
 */

/** Job kind of one handoff notice. */
export const HANDOFF_JOB = 'oncall.handoff';
/** Job kind of the periodic re-plan. */
export const HANDOFF_PLAN_JOB = 'oncall.handoff_plan';
/** Job kind of a "your shifts changed" notice. */
export const SHIFT_CHANGE_JOB = 'oncall.shift_changed';

/** Default lead time of a handoff notice. */
export const DEFAULT_HANDOFF_LEAD_MINUTES = 10;
/** How far ahead handoffs are planned (and shift changes looked for). */
export const HANDOFF_HORIZON_MS = 7 * 86_400_000;
const PLAN_EVERY_MS = 6 * 3_600_000;

/** Tunables and collaborators of the handoff jobs. */
export interface HandoffOptions {
  /** Default lead time in minutes (10). */
  leadMinutes?: number | undefined;
  /** Planning horizon (7 days). */
  horizonMs?: number | undefined;
  /** Channels and templates; without them notices are planned but nothing is sent. */
  dispatch?: DispatchContext | undefined;
  /** Users with contact methods (default: the config's `users:` as the notify layer reads them). */
  notifyUsers?: ReadonlyMap<string, NotifyUser> | undefined;
  logger?: Pick<Logger, 'info' | 'warn'> | undefined;
  /** Called after notices were put in the outbox (e.g. to poke the outbox runner). */
  onEnqueued?: (() => void) | undefined;
}

/** A notice found due more than this long after its handoff is dropped (the worker was down). */
const LATE_GRACE_MS = 15 * 60_000;

/** The job key of the handoff of `scheduleId` at instant `at`. */
export function handoffKey(scheduleId: string, at: number): string {
  return `handoff:${scheduleId}:${at}`;
}

function leadMs(loaded: LoadedConfig, scheduleId: string, opts: HandoffOptions): number {
  const cfg = oncallCatalog(loaded).configs.get(scheduleId) as Record<string, unknown> | undefined;
  const own = cfg?.['handoff_notice_minutes'];
  const minutes =
    typeof own === 'number' && own >= 0 ? own : (opts.leadMinutes ?? DEFAULT_HANDOFF_LEAD_MINUTES);
  return minutes * 60_000;
}

async function runtimeOverrides(db: Db, scheduleId: string): Promise<Override[]> {
  return (await listOverrides(db, scheduleId)).map(pureOverride);
}

/**
 * Plans the handoff notices of every schedule (or only `scheduleIds`) with the handoff in
 * (now, now + horizon]. Idempotent: a notice already sent (or being sent) is never re-armed, a
 * pending one moves when its handoff changes, and pending ones whose handoff disappeared are
 * cancelled. Returns the number of pending notices. Call it inside the transaction that changed
 * the schedule's overrides, and once at start.
 */
export async function scheduleHandoffs(
  db: Db,
  loaded: LoadedConfig,
  now: number,
  opts: HandoffOptions & { scheduleIds?: readonly string[] } = {},
): Promise<number> {
  const catalog = oncallCatalog(loaded);
  const horizon = opts.horizonMs ?? HANDOFF_HORIZON_MS;
  let pending = 0;
  for (const id of opts.scheduleIds ?? [...catalog.schedules.keys()]) {
    const def = catalog.schedules.get(id);
    if (!def) continue;
    const lead = leadMs(loaded, id, opts);
    const planned = handoffs(def, await runtimeOverrides(db, id), now + 1, now + horizon, lead);
    const existing = new Map((await listJobs(db, `handoff:${id}:`)).map((j) => [j.key, j]));
    const keep = new Set<string>();
    for (const h of planned) {
      const key = handoffKey(id, h.at);
      keep.add(key);
      const payload = { scheduleId: id, at: h.at, outgoing: h.outgoing, incoming: h.incoming };
      const job = existing.get(key);
      if (job && job.status !== 'pending' && job.status !== 'cancelled') continue;
      pending++;
      if (job?.status === 'pending' && job.runAt === h.noticeAt) {
        if (JSON.stringify(job.payload) === JSON.stringify(payload)) continue;
      }
      await scheduleJob(db, { kind: HANDOFF_JOB, key, runAt: h.noticeAt, payload }, now, 'replace');
    }
    for (const job of existing.values()) {
      if (job.status !== 'pending' || keep.has(job.key)) continue;
      const at = (job.payload as { at?: unknown }).at;
      if (typeof at === 'number' && at > now) await cancelJobs(db, { key: job.key }, now);
    }
  }
  if (!opts.scheduleIds) {
    const next = (Math.floor(now / PLAN_EVERY_MS) + 1) * PLAN_EVERY_MS;
    await scheduleJob(db, { kind: HANDOFF_PLAN_JOB, key: `handoff-plan:${next}`, runAt: next }, now);
  }
  return pending;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z');

/** Notifications of one informational message to one user, on their immediate contact methods. */
function noticesFor(
  opts: HandoffOptions,
  loaded: LoadedConfig,
  user: string,
  view: IncidentView,
  occurrence: string,
  now: number,
): NewNotification[] {
  const dispatch = opts.dispatch;
  const person = (opts.notifyUsers ?? new Map(loaded.notify.users.map((u) => [u.id, u]))).get(user);
  if (!dispatch || !person) {
    opts.logger?.info(
      { user, notice: view.id },
      dispatch ? 'on-call notice not sent: the user has no contact methods' : 'on-call notices are off',
    );
    return [];
  }
  const urgency = person.notification_rules.low.length > 0 ? 'low' : 'high';
  return userNotifications(dispatch, {
    user: person,
    urgency,
    event: 'handoff',
    view,
    timing: { triggeredAt: now },
    now,
    occurrence,
  });
}

function baseView(loaded: LoadedConfig, scheduleId: string, at: number): IncidentView {
  const name = oncallCatalog(loaded).configs.get(scheduleId)?.name ?? scheduleId;
  return {
    id: `oncall/${scheduleId}`,
    title: `On-call handoff: ${name}`,
    severity: 'low',
    status: 'triggered',
    service: scheduleId,
    labels: { schedule: scheduleId },
    triggeredAt: at,
  };
}

/** The job handlers by kind (register them with the worker). */
export function handoffHandlers(loaded: LoadedConfig, opts: HandoffOptions = {}): Record<string, JobHandler> {
  const catalog = oncallCatalog(loaded);
  const names = (users: readonly string[]): string =>
    users.length ? users.map((u) => catalog.displayName(u)).join(', ') : 'nobody';
  return {
    [HANDOFF_JOB]: async (job, { store, now }) => {
      const p = job.payload as { scheduleId?: unknown; at?: unknown };
      if (typeof p.scheduleId !== 'string' || typeof p.at !== 'number') return;
      const def = catalog.schedules.get(p.scheduleId);
      if (!def) return;
      const id = p.scheduleId;
      const at = p.at;
      let enqueued = false;
      await store.db.transaction().execute(async (trx) => {
        const h = handoffs(def, await runtimeOverrides(trx, id), at, at + 1)[0];
        if (h && h.at === at && now <= at + LATE_GRACE_MS) {
          const view: IncidentView = {
            ...baseView(loaded, id, at),
            summary: `${names(h.outgoing)} → ${names(h.incoming)} at ${iso(at)}`,
            handoff: { from: names(h.outgoing), to: names(h.incoming) },
          };
          const items = [...new Set([...h.outgoing, ...h.incoming])].flatMap((u) =>
            noticesFor(opts, loaded, u, view, String(at), now),
          );
          if ((await enqueueNotifications(asStore(store, trx), items, now)).length > 0) enqueued = true;
        }
        await scheduleHandoffs(trx, loaded, now, { ...opts, scheduleIds: [id] });
      });
      if (enqueued) opts.onEnqueued?.();
    },
    [HANDOFF_PLAN_JOB]: async (_job, { store, now }) => {
      await store.db.transaction().execute((trx) => scheduleHandoffs(trx, loaded, now, opts));
    },
    [SHIFT_CHANGE_JOB]: async (job, { store, now }) => {
      const p = job.payload as { scheduleId?: unknown; changes?: unknown; occurrence?: unknown };
      if (typeof p.scheduleId !== 'string' || !Array.isArray(p.changes)) return;
      const changes = p.changes as ShiftChange[];
      const items: NewNotification[] = [];
      for (const user of [...new Set(changes.map((c) => c.user))].sort()) {
        const mine = changes.filter((c) => c.user === user);
        const lines = mine.map(
          (c) => `${c.kind === 'added' ? 'now on call' : 'no longer on call'} ${iso(c.start)}–${iso(c.end)}`,
        );
        const removed = mine.filter((c) => c.kind === 'removed').map((c) => `${iso(c.start)}–${iso(c.end)}`);
        const added = mine.filter((c) => c.kind === 'added').map((c) => `${iso(c.start)}–${iso(c.end)}`);
        const view: IncidentView = {
          ...baseView(loaded, p.scheduleId, now),
          title: `Your on-call shifts changed: ${catalog.configs.get(p.scheduleId)?.name ?? p.scheduleId}`,
          summary: lines.join('\n'),
          handoff: { from: removed.join(', ') || 'nothing', to: added.join(', ') || 'nothing' },
        };
        items.push(...noticesFor(opts, loaded, user, view, `${String(p.occurrence)}`, now));
      }
      if ((await enqueueNotifications(store, items, now)).length > 0) opts.onEnqueued?.();
    },
  };
}

/** A Store whose queries run in `trx` (enqueueNotifications takes a Store). */
function asStore(store: Store, trx: Db): Store {
  return { ...store, db: trx };
}

/**
 * The override hook that plans notices when an override is created or deleted: a
 * `shift_changed` job for the users whose on-call time within the horizon moved, and a re-plan of
 * the schedule's handoff notices, in the override's own transaction.
 */
export function overrideNoticeHook(
  loaded: LoadedConfig,
  now: () => number,
  opts: HandoffOptions = {},
): OverrideChangeHook {
  return async (trx, change) => {
    const def = oncallCatalog(loaded).schedules.get(change.scheduleId);
    if (!def) return;
    const t = now();
    const to = t + (opts.horizonMs ?? HANDOFF_HORIZON_MS);
    const changes = shiftChanges(shifts(def, change.before, t, to), shifts(def, change.after, t, to));
    if (changes.length > 0) {
      const occurrence = `${change.action}-${change.override.id}`;
      await scheduleJob(
        trx,
        {
          kind: SHIFT_CHANGE_JOB,
          key: `shift-change:${change.scheduleId}:${occurrence}`,
          runAt: t,
          payload: { scheduleId: change.scheduleId, changes, occurrence },
        },
        t,
      );
    }
    await scheduleHandoffs(trx, loaded, t, { ...opts, scheduleIds: [change.scheduleId] });
  };
}
