import type { Channel } from '../notify/index.ts';
import { plan, rowsOf, type Plan } from '../store/batch.ts';
import { chunk, type Db } from '../store/db.ts';

// Which groups still have a webhook message in flight: such a group skips its tick instead of
// queueing another message that would only repeat the whole group (Alertmanager's tick blocks
// while its notification is in flight). Webhook messages queue per group, in the outbox
// destination `<channel destination>#<group key>`.

/** The outbox destination of a group's webhook messages on a channel. */
export function groupDestination(channel: Channel, groupKey: string): string {
  return `${channel.destination(undefined)}#${groupKey}`;
}

/**
 * The destinations a flush checks before its groups' channels are known: every webhook channel's
 * queue for every group, when that is a short list (a flush of 64 groups with one webhook channel
 * checks 64), so the check shares the flush's first round trip; otherwise none, and the flush
 * checks the exact set once the channels are known.
 */
export function everyGroupDestination(
  channels: ReadonlyMap<string, Channel> | undefined,
  keys: readonly string[],
  max = 2000,
): string[] | undefined {
  const webhooks = [...(channels?.values() ?? [])].filter((c) => c.type === 'webhook');
  if (webhooks.length * keys.length > max) return undefined;
  return keys.flatMap((k) => webhooks.map((c) => groupDestination(c, k)));
}

/** Which of these outbox destinations hold a pending or in-flight message (one query per 500). */
export function busyDestinationsPlan(db: Db, destinations: readonly string[]): Plan<Set<string>> {
  return plan(
    chunk(destinations, 500).map((part) =>
      db
        .withTables<{ notify_outbox: { destination: string; status: string } }>()
        .selectFrom('notify_outbox')
        .select('destination')
        .where('destination', 'in', part)
        .where('status', 'in', ['pending', 'sending']),
    ),
    (results) =>
      new Set(results.flatMap((r) => rowsOf<{ destination: string }>(r).map((d) => d.destination))),
  );
}
