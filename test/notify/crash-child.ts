/**
 * Child process for the crash test: opens the store in argv[2] (a SQLite data dir or a
 * postgres:// URL) and runs outbox passes
 * against the webhook receiver at argv[3] until there is nothing left, printing progress. The
 * parent SIGKILLs it mid-burst.
 */
import { FakeClock } from '../../src/engine/clock.ts';
import { isPostgresUrl, openStore } from '../../src/store/store.ts';
import { runOutboxPass } from '../../src/notify/outbox-pass.ts';
import { crashChannels, CRASH_START } from './crash-setup.ts';
import { loopbackFetch } from '../fakes/loopback-fetch.ts';

const [where, url] = process.argv.slice(2);
const store = await openStore(isPostgresUrl(where) ? { url: where } : { dataDir: where });
const clock = new FakeClock(CRASH_START);
const { fetch } = loopbackFetch();
for (;;) {
  const r = await runOutboxPass({
    store,
    channels: crashChannels(url ?? ''),
    clock,
    fetch,
    owner: 'child',
    maxSends: 100,
  });
  if (r.sent === 0) break;
}
await store.close();
