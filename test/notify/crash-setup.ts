import type { Channel } from '../../src/notify/channels/index.ts';
import { makeChannel } from './helpers.ts';

/** The fixed instant both processes of the crash test use (no wall clock). */
export const CRASH_START = '2026-01-05T09:00:00Z';

/** Four webhook channels (four destinations) on the same receiver. */
export function crashChannels(url: string): Map<string, Channel> {
  return new Map(
    ['w0', 'w1', 'w2', 'w3'].map((id) => [
      id,
      makeChannel({ id, type: 'webhook', url: `${url}/${id}`, timeout_ms: 2000 }, {}),
    ]),
  );
}
