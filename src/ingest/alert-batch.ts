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
