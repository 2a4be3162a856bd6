import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveAlerts, type StoredAlert } from '../alerts/alert-store.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { chunkBySize, flushChunks } from './flush-chunks.ts';

describe('chunkBySize', () => {
  it('fills chunks in order up to the bound, and gives an oversized item a chunk of its own', () => {
    const sizes: Record<string, number> = { a: 3, b: 3, c: 5, d: 1, e: 1, f: 0 };
    expect(chunkBySize(Object.keys(sizes), (k) => sizes[k] ?? 0, 6)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    expect(chunkBySize(['big', 'x'], (k) => (k === 'big' ? 100 : 1), 6)).toEqual([['big'], ['x']]);
    expect(chunkBySize([], () => 1, 6)).toEqual([]);
  });
});

describe.each(storeFactories())('flush chunks on $name', (factory) => {
  let store: Store;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('bounds the alerts read per chunk by the sizes of the groups in the store', async () => {
    const alerts: StoredAlert[] = [];
    const sizes = { g1: 3, g2: 2, g3: 4, g4: 0 };
    for (const [key, n] of Object.entries(sizes))
      for (let i = 0; i < n; i++)
        alerts.push({
          fingerprint: `${key}-${i}`.padEnd(16, '0'),
          labels: { alertname: key, i: String(i) },
          annotations: {},
          startsAt: 0,
          endsAt: 1000,
          timeout: false,
          updatedAt: 0,
          generatorURL: '',
          source: 'test',
          incidentId: null,
          groupKey: key,
        });
    await saveAlerts(store.db, alerts);
    expect(await flushChunks(store.db, ['g1', 'g2', 'g3', 'g4'], 5)).toEqual([
      ['g1', 'g2'],
      ['g3', 'g4'],
    ]);
    expect(await flushChunks(store.db, ['g3', 'g1'], 4)).toEqual([['g3'], ['g1']]);
  });
});
