/** Alerts waiting to be applied that make an apply start at once, without waiting for more. */
export const MIN_BATCH = 4096;
/**
 * Most alerts applied in one transaction: larger applies cost less per alert (part of the cost is
 * per group touched) but hold the connection longer while flushes and the outbox wait; 16,384
 * measured best under the 100k-alert benchmark (docs/performance.md).
 */
export const MAX_APPLY = 16_384;
/** Applies of at least this many alerts use the store's bulk lane (docs/adr/0008-sqlite-worker.md). */
export const BULK_APPLY = 1024;
/** Longest an accepted alert waits for its apply while the journal fills under load (ms). */
export const MAX_DELAY_MS = 20;

/** What decides whether pending alerts are applied now (see `applyNow`). */
export interface ApplyState {
  /** A request waits for its apply (it came alone, or an API read waits). */
  urgent: boolean;
  /** Shutdown or recovery: everything is applied. */
  draining: boolean;
  /** The longest wait (MAX_DELAY_MS) for the alerts that are ready has passed. */
  due: boolean;
  /** Alerts an apply would take now. */
  ready: number;
  /** An entry that brings groups not seen before waits. */
  fresh: boolean;
}

/**
 * Whether an apply starts at once instead of gathering more alerts: a larger apply costs less per
 * alert, but new groups' first notifications are due group_wait after their request arrived, so
 * an entry that brings new groups never waits to be gathered.
 */
export function applyNow(s: ApplyState): boolean {
  return s.urgent || s.draining || s.fresh || s.ready >= MIN_BATCH || (s.due && s.ready > 0);
}
