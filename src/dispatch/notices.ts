import type { StoredAlert } from '../alerts/alert-store.ts';
import { getIncidentByNumber } from '../incidents/incident-store.ts';
import type { Incident } from '../incidents/incident.ts';
import { routeNotifications, type DispatchContext, type NewNotification } from '../notify/index.ts';
import { groupLabels } from '../pipeline/group-key.ts';
import type { FlushDecision } from '../pipeline/group-timer.ts';
import type { RouteNode } from '../pipeline/routing.ts';
import type { Db } from '../store/db.ts';
import type { GroupRow } from './group-store.ts';
import { incidentViewFor } from './incident-view.ts';
import type { groupMembership } from './visibility.ts';

/** A group the flush looks at: its row, route and members, and who sees them. */
export interface Considered {
  group: GroupRow;
  node: RouteNode;
  alerts: StoredAlert[];
  membership: ReturnType<typeof groupMembership>;
  channels: string[];
  /** The group's webhook queues on those channels (`<destination>#<group key>`). */
  queues: string[];
}

/**
 * The messages of the groups that notify, rendered for their channels, and the keys of those that
 * are a group's first notification (`first`: no notification logged before, firing), which are
 * pages.
 */
export async function noticesOf(
  db: Db,
  notify: DispatchContext,
  open: ReadonlyMap<string, Incident>,
  notices: ReadonlyArray<Considered & { decision: FlushDecision }>,
  now: number,
  externalUrl: string,
): Promise<{ items: NewNotification[]; first: Set<string> }> {
  const first = new Set<string>();
  if (notices.length === 0) return { items: [], first };
  const incidents = await incidentsOf(
    db,
    open,
    notices.map((n) => n.group.groupKey),
  );
  const out: NewNotification[] = [];
  for (const { group, node, membership, decision, channels } of notices) {
    const key = group.groupKey;
    const visible = membership.visible;
    const inc = incidents.get(key);
    if (!inc || channels.length === 0) continue;
    const shown = visible.filter(
      (a) => decision.firing.includes(a.fingerprint) || decision.resolved.includes(a.fingerprint),
    );
    const view = {
      ...incidentViewFor(inc, shown, now, externalUrl),
      group: { key, labels: groupLabels(node, visible[0]?.labels ?? {}) },
    };
    const event = decision.reason === 'all alerts resolved' ? 'resolved' : 'triggered';
    const isFirst = group.lastNotification === undefined && event === 'triggered';
    for (const n of routeNotifications(notify, {
      channelIds: channels,
      event,
      view,
      dueAt: now,
      occurrence: `${key}#${group.flushes + 1}`,
    })) {
      if (isFirst) first.add(n.key);
      // Webhook messages queue per group: order is kept within a group, groups go in parallel.
      out.push(n.channelType === 'webhook' ? { ...n, destination: `${n.destination}#${key}` } : n);
    }
  }
  return { items: out, first };
}

/** The incident of each group: the open one, or else the group's latest (for resolved notices). */
async function incidentsOf(
  db: Db,
  open: ReadonlyMap<string, Incident>,
  keys: readonly string[],
): Promise<Map<string, Incident>> {
  const out = new Map(open);
  for (const key of keys) {
    if (out.has(key)) continue;
    const row = await db
      .selectFrom('incidents')
      .select('number')
      .where('group_key', '=', key)
      .orderBy('number', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) out.set(key, await getIncidentByNumber(db, row.number));
  }
  return out;
}
