import type { NewNotification } from '../notify/index.ts';
import { chunk, type Db } from '../store/db.ts';
import type { FlushDeps } from './flush.ts';
import { routeById } from './schedule.ts';

// Which groups still have a webhook message in flight: such a group skips its tick instead of
// queueing another message that would only repeat the whole group (Alertmanager's tick blocks
// while its notification is in flight).

/**
 * The groups among these with an undelivered message in the webhook queue of their route's own
 * channels (`<destination>#<group key>`), found through the outbox's destination index. Channels
 * that `continue` routes add are checked after rendering (`groupsStillSending`).
 */
export async function groupsWithUndelivered(
  db: Db,
  groups: ReadonlyMap<string, { routeId: string }>,
  deps: Pick<FlushDeps, 'pipeline' | 'notify'>,
): Promise<string[]> {
  const channels = deps.notify?.channels;
  if (!channels) return [];
  const keyOf = new Map<string, string>();
  for (const [key, g] of groups) {
    const node = routeById(deps.pipeline.tree, g.routeId) ?? deps.pipeline.tree;
    for (const id of node.channels) {
      const ch = channels.get(id);
      if (ch?.type === 'webhook') keyOf.set(`${ch.destination(undefined)}#${key}`, key);
    }
  }
  return [...new Set(await busyDestinations(db, [...keyOf.keys()]))].map((d) => keyOf.get(d) ?? '');
}

/** Which of these outbox destinations hold a pending or in-flight message. */
async function busyDestinations(db: Db, destinations: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const part of chunk(destinations, 500)) {
    const rows = await db
      .withTables<{ notify_outbox: { destination: string; status: string } }>()
      .selectFrom('notify_outbox')
      .select('destination')
      .where('destination', 'in', part)
      .where('status', 'in', ['pending', 'sending'])
      .execute();
    for (const r of rows) out.push(r.destination);
  }
  return out;
}

/** The groups among these whose webhook queue still holds an undelivered message. */
export async function groupsStillSending(
  db: Db,
  byGroup: ReadonlyMap<string, NewNotification[]>,
): Promise<string[]> {
  const keyOf = new Map<string, string>();
  for (const [key, items] of byGroup)
    for (const n of items) if (n.channelType === 'webhook') keyOf.set(n.destination, key);
  const busy = new Set<string>();
  for (const d of await busyDestinations(db, [...keyOf.keys()])) {
    const key = keyOf.get(d);
    if (key !== undefined) busy.add(key);
  }
  return [...busy];
}
