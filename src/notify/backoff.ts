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
