/** How failed deliveries are retried. */
export interface RetryPolicy {
  /** First backoff ceiling in ms (doubles per attempt). */
  baseMs: number;
  /** Largest backoff ceiling in ms. */
  capMs: number;
  /** Attempts before a retryable failure becomes permanent (then the fallback is used). */
  maxAttempts: number;
}

/** Defaults: 2 s doubling to 5 min, 12 attempts (roughly half an hour of trying). */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 2000, capMs: 300_000, maxAttempts: 12 };

/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniformly random delay in
 * [0, min(cap, base·2^(attempt-1))). `random` is injected so tests are reproducible.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** A small seeded PRNG (mulberry32) for reproducible jitter in tests and simulations. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
