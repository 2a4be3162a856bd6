import { afterEach, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../alerts/alert-store.ts';
import { listJobs } from '../engine/jobs.ts';
import { routeSchema } from '../pipeline/route-schema.ts';
import { buildRouteTree } from '../pipeline/routing.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { recordFlushes } from './group-store.ts';
import { armGroupTimers, flushJobKey } from './schedule.ts';

const tree = buildRouteTree(
  routeSchema.parse({ receiver: 'r', group_by: ['alertname'], group_wait: '30s', group_interval: '5m' }),
);
const T0 = Date.parse('2026-11-27T10:00:00Z');

function alert(name: string, at: number): StoredAlert {
  return {
    fingerprint: `fp-${name}`,
    labels: { alertname: name },
    annotations: {},
    startsAt: at,
    endsAt: at + 3_600_000,
    timeout: false,
    updatedAt: at,
    generatorURL: '',
    source: 'test',
    incidentId: null,
    groupKey: `{}:{alertname="${name}"}`,
  };
}

describe.each(storeFactories())('armGroupTimers on $name', (factory) => {
  let store: Store;
  afterEach(async () => store?.close());

  it('returns the first flush of groups that have not flushed yet, and only those', async () => {
    store = await factory.open();
    const a = alert('A', T0);
    const first = await armGroupTimers(store.db, [a, alert('B', T0)], () => '0', tree, T0);
    expect(first.map((j) => [j.key, j.runAt])).toEqual([
      [flushJobKey(a.groupKey), T0 + 30_000],
      [flushJobKey(alert('B', T0).groupKey), T0 + 30_000],
    ]);
    expect((await listJobs(store.db, 'group:')).map((j) => j.runAt)).toEqual([T0 + 30_000, T0 + 30_000]);

    // Group A has flushed: a new alert in it wakes its next tick, but is not a first flush.
    await recordFlushes(store.db, [{ key: a.groupKey, entry: undefined }], T0 + 30_000);
    const later = T0 + 60_000;
    const again = await armGroupTimers(
      store.db,
      [alert('A', later), alert('C', later)],
      () => '0',
      tree,
      later,
    );
    expect(again.map((j) => j.key)).toEqual([flushJobKey(alert('C', later).groupKey)]);
  });
});
