import type { Alert } from '../alerts/alert.ts';

/**
 * Accepted alerts as JSON text (a JSON array of `Alert`) with how many it holds. This is how a
 * batch travels from the thread that read it to the journal: a string crosses threads as one copy
 * and is written to the journal as is, while thousands of alert objects would cost the event loop
 * their parsing, their serialisation and the garbage collector's time.
 */
export interface AlertBatch {
  count: number;
  /** A JSON array of `Alert`. */
  text: string;
}

/** The batch of alerts already read (alerts built on the event loop, tests). */
export function batchOf(alerts: readonly Alert[]): AlertBatch {
  return { count: alerts.length, text: JSON.stringify(alerts) };
}

/** The alerts of a batch. */
export function batchAlerts(batch: Pick<AlertBatch, 'text'>): Alert[] {
  return JSON.parse(batch.text) as Alert[];
}

/** Several batches as one, in order (one journal entry for a group commit). */
export function joinBatches(batches: readonly AlertBatch[]): AlertBatch {
  if (batches.length === 1 && batches[0]) return batches[0];
  let count = 0;
  const parts: string[] = [];
  for (const b of batches) {
    if (b.count === 0) continue;
    count += b.count;
    // Each text is `[…]`: keep what is between the brackets.
    parts.push(b.text.slice(1, -1));
  }
  return { count, text: `[${parts.join(',')}]` };
}

/**
 * A batch with the group each of its alerts belongs to, in order. The ingest service journals the
 * alerts of groups it has not seen before apart from the others, so that a new group's first
 * notification does not wait behind an alert storm's backlog.
 */
export interface GroupedAlerts extends AlertBatch {
  groups: string[];
  /**
   * When the request carrying them arrived (epoch ms): their group timers start then, as
   * Alertmanager's start when its API takes the alert, not after the journal commit.
   */
  receivedAt?: number | undefined;
}

/**
 * When a journal entry's alerts were received: the earliest arrival of its requests, so the wait
 * for the commit does not delay their group timers; never later than now, nor earlier than the
 * entry before (`previous`: entries are applied in order, and time must not go back between them).
 */
export function receivedAtOf(batches: readonly GroupedAlerts[], now: number, previous: number): number {
  let arrived = now;
  for (const b of batches) if (b.receivedAt !== undefined && b.receivedAt < arrived) arrived = b.receivedAt;
  return Math.max(previous, arrived);
}

/** The group key of an alert's labels (the routing tree's, see `routeGroupFn`). */
export type GroupKeyOf = (labels: Alert['labels']) => string;

/** Alerts read on this thread, with their groups. */
export function groupedOf(alerts: readonly Alert[], groupOf: GroupKeyOf): GroupedAlerts {
  return { ...batchOf(alerts), groups: alerts.map((a) => groupOf(a.labels)) };
}

/**
 * Splits batches into the alerts `isFirst` picks and the others, each as one batch, in order. A
 * batch wholly on one side is kept as its text; only a mixed one is parsed and split.
 */
export function splitBatches(
  batches: readonly GroupedAlerts[],
  isFirst: (group: string) => boolean,
): { first: AlertBatch; rest: AlertBatch } {
  const first: AlertBatch[] = [];
  const rest: AlertBatch[] = [];
  for (const b of batches) {
    const picks = b.groups.map(isFirst);
    if (picks.every((p) => p)) first.push(b);
    else if (!picks.some((p) => p)) rest.push(b);
    else {
      const alerts = batchAlerts(b);
      first.push(batchOf(alerts.filter((_, i) => picks[i])));
      rest.push(batchOf(alerts.filter((_, i) => !picks[i])));
    }
  }
  return { first: joinBatches(first), rest: joinBatches(rest) };
}
