import type { Db } from '../store/db.ts';
import type { PageEvent } from './metrics.ts';

/**
 * The page log the on-call report reads: who was paged, when. Nothing in vigil stores "pages" as
 * such, so this read model derives them from what is recorded:
 *
 * 1. the notification outbox (migration 0003): rows with a user and a paging event
 *    (`triggered`, `escalated`) that were not cancelled. The rule steps of one page (SMS now, a
 *    call after 5 min) share a key prefix `<incident>:<event>[#n]:<user>` and count once, at the
 *    first step's time;
 * 2. incident timeline events of type `escalation.level_fired` whose data names users
 *    (`users`, `recipients` or `user`), for incidents and users the outbox has no page for (an
 *    escalation that fired where no contact method was configured still interrupted someone's
 *    on-call shift as far as the burden is concerned).
 *
 * The outbox does not know the schedule; a timeline recipient reached `via: schedule:ID` is
 * attributed to that schedule. Pages without a schedule count for every schedule the person
 * belongs to.
 */

/** The outbox columns this read model uses (the table belongs to src/notify). */
type OutboxRead = {
  notify_outbox: {
    key: string;
    incident: string;
    event: string;
    user_id: string | null;
    status: string;
    scheduled_at: number;
  };
};

const PAGING_EVENTS = ['triggered', 'escalated'];

/** Users named by a timeline event's data, leniently, with the schedule that reached them. */
function usersIn(data: unknown): { user: string; scheduleId?: string }[] {
  if (typeof data !== 'object' || data === null) return [];
  const d = data as Record<string, unknown>;
  const top = d['scheduleId'] ?? d['schedule'];
  const out = new Map<string, { user: string; scheduleId?: string }>();
  const add = (v: unknown): void => {
    let user: unknown = v;
    let via: unknown = top;
    if (typeof v === 'object' && v !== null) {
      const r = v as Record<string, unknown>;
      user = r['user'] ?? r['id'] ?? r['userId'];
      via = r['via'] ?? top;
    }
    if (typeof user !== 'string' || out.has(user)) return;
    const m = typeof via === 'string' ? /^(?:schedule:)?([^:]+)/.exec(via) : null;
    const isSchedule = typeof via === 'string' && (via.startsWith('schedule:') || via === top);
    out.set(user, { user, ...(m?.[1] && isSchedule ? { scheduleId: m[1] } : {}) });
  };
  for (const key of ['users', 'recipients']) if (Array.isArray(d[key])) (d[key] as unknown[]).forEach(add);
  if (typeof d['user'] === 'string') add(d['user']);
  return [...out.values()];
}

/** The pages with `at` in [from, to), oldest first. */
export async function pageEvents(db: Db, from: number, to: number): Promise<PageEvent[]> {
  const rows = await db
    .withTables<OutboxRead>()
    .selectFrom('notify_outbox')
    .select(['key', 'incident', 'user_id', 'scheduled_at'])
    .where('user_id', 'is not', null)
    .where('event', 'in', PAGING_EVENTS)
    .where('status', '!=', 'cancelled')
    .where('scheduled_at', '>=', from)
    .where('scheduled_at', '<', to)
    .execute();
  const first = new Map<string, PageEvent>();
  const paged = new Set<string>();
  for (const r of rows) {
    if (r.user_id === null) continue;
    const group = r.key.split(':').slice(0, -2).join(':') || r.key;
    const at = Number(r.scheduled_at);
    const prev = first.get(group);
    if (!prev || at < prev.at) first.set(group, { user: r.user_id, at });
    paged.add(`${r.incident}\u0000${r.user_id}`);
  }
  const fired = await db
    .selectFrom('incident_timeline')
    .innerJoin('incidents', 'incidents.id', 'incident_timeline.incident_id')
    .select(['incidents.number', 'incident_timeline.at', 'incident_timeline.data'])
    .where('incident_timeline.type', '=', 'escalation.level_fired')
    .where('incident_timeline.at', '>=', from)
    .where('incident_timeline.at', '<', to)
    .execute();
  const out = [...first.values()];
  for (const f of fired) {
    let data: unknown;
    try {
      data = JSON.parse(f.data) as unknown;
    } catch {
      continue;
    }
    for (const r of usersIn(data)) {
      if (paged.has(`INC-${f.number}\u0000${r.user}`)) continue;
      out.push({ ...r, at: Number(f.at) });
    }
  }
  return out.sort((a, b) => a.at - b.at || a.user.localeCompare(b.user));
}
