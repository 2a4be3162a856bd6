/**
 * Lets the event loop serve what is waiting (request bodies, replies, timers) before a long
 * computation goes on. Under an alert storm an apply of thousands of alerts would otherwise hold
 * the event loop for tens of milliseconds at a time, and every sender waits that long for its
 * answer: how fast vigil acknowledges is bounded by those stalls, not by its CPU
 * (docs/performance.md, session 14).
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How many items a long loop handles between two yields (about a millisecond of work). */
export const ITEMS_PER_YIELD = 512;
