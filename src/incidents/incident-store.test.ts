import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { createIncident, createIncidents, getTimeline, type NewIncident } from './incident-store.ts';

function group(key: string, manual = false): NewIncident {
  return { title: `t-${key}`, severity: 'high', service: 'svc', groupKey: key, manual, actor: 'vigil' };
}

describe.each(storeFactories())('creating incidents on $name', (factory) => {
  let store: Store;
  beforeEach(async () => {
    store = await factory.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('numbers a batch consecutively in the order given, after earlier incidents', async () => {
    const first = await createIncident(store.db, group('g0'), 1000);
    const batch = await createIncidents(
      store.db,
      Array.from({ length: 450 }, (_, i) => group(`g${i + 1}`, i === 7)),
      2000,
    );
    expect(batch.map((i) => i.number)).toEqual(Array.from({ length: 450 }, (_, i) => first.number + 1 + i));
    expect(batch.map((i) => i.groupKey)).toEqual(Array.from({ length: 450 }, (_, i) => `g${i + 1}`));
    expect(new Set(batch.map((i) => i.id)).size).toBe(450);
    expect(batch.every((i) => i.status === 'triggered' && i.triggeredAt === 2000)).toBe(true);
    const next = await createIncident(store.db, group('after'), 3000);
    expect(next.number).toBe(first.number + 451);

    // Each incident's timeline starts with its own first event.
    const timeline = await getTimeline(store.db, batch[3]?.id ?? -1);
    expect(timeline.map((e) => [e.type, e.data['title']])).toEqual([['incident.triggered', 't-g4']]);
    const declared = await getTimeline(store.db, batch[7]?.id ?? -1);
    expect(declared.map((e) => e.type)).toEqual(['incident.declared']);
  });

  it('creates nothing for an empty batch and leaves the numbering alone', async () => {
    expect(await createIncidents(store.db, [], 1000)).toEqual([]);
    expect((await createIncident(store.db, group('a'), 1000)).number).toBe(1);
  });
});
