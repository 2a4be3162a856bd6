import type { FetchLike } from '../../src/notify/types.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * A fetch that refuses anything not on loopback: tests hand it to every channel, and check
 * `refused` is empty afterwards, so a misconfigured base URL fails the test instead of calling a
 * real service.
 */
export function loopbackFetch(): { fetch: FetchLike; refused: string[] } {
  const refused: string[] = [];
  const fetchImpl: FetchLike = (input, init) => {
    const host = new URL(input).hostname;
    if (!LOOPBACK.has(host)) {
      refused.push(input);
      return Promise.reject(new Error(`test refused a non-loopback request to ${host}`));
    }
    return fetch(input, init);
  };
  return { fetch: fetchImpl, refused };
}
