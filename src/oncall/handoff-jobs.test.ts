import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigText, type LoadedConfig } from '../config/load.ts';
import { FakeClock } from '../engine/clock.ts';
import { listJobs } from '../engine/jobs.ts';
import { Worker } from '../engine/worker.ts';
import { listDeliveries, loadNotifyChannels, type DispatchContext } from '../notify/index.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { oncallCatalog } from './catalog.ts';
import { handoffKey, overrideNoticeHook, scheduleHandoffs } from './handoff-jobs.ts';
import { oncallModule } from './module.ts';
import { createOverride } from './override-store.ts';

const person = (id: string, name: string) => `
  - id: ${id}
    name: ${name}
    contact_methods: [{ id: hook, channel: ops-hook, target: ${id} }]
    notification_rules: { high: [{ contact: hook }] }`;

const CONFIG = `integrations:
  - { name: test, key: test-integration-key-0123456789 }
channels:
  - { id: ops-hook, type: webhook, url: "http://127.0.0.1:9/hook" }
users:${person('alice', 'Alice')}${person('bob', 'Bob')}${person('carol', 'Carol')}${person('dave', 'Dave')}
schedules:
  - id: ml-platform
    time_zone: UTC
    layers:
      - name: primary
        rotation: { users: [alice, bob, carol], start: 2026-11-23T09:00, turn: 1d }
`;

const t = (iso: string): number => Date.parse(iso);

describe.each(storeFactories())('handoff notices on $name', (factory) => {
  let store: Store;
  let loaded: LoadedConfig;
  let clock: FakeClock;
  let dispatch: DispatchContext;
  let worker: Worker;
  let pokes = 0;
  beforeEach(async () => {
    store = await factory.open();
    const res = loadConfigText('test.yaml', CONFIG);
    if (!res.ok) throw new Error(JSON.stringify(res.issues));
    loaded = res.loaded;
    const notify = loadNotifyChannels(loaded.notify, { env: {}, readFile: () => '' });
    expect(notify.issues).toEqual([]);
    dispatch = { channels: notify.channels, templates: notify.templates };
    clock = new FakeClock('2026-11-27T10:00:00Z');
    worker = new Worker(store, clock, oncallModule(loaded, { dispatch, onEnqueued: () => pokes++ }).handlers);
  });
  afterEach(() => store.close());

  const events = async () =>
    (await listDeliveries(store, { incident: 'oncall/ml-platform' })).map((d) => ({
      user: d.userId,
      at: d.scheduledAt,
      key: d.key,
    }));

  it('plans notices ahead of each handoff, sends them to outgoing and incoming users, and re-plans', async () => {
    const mod = oncallModule(loaded, { dispatch });
    await mod.start(store.db, clock.now());
    const jobs = await listJobs(store.db, 'handoff:ml-platform:');
    // bob → carol on 11-28 09:00, … one per day for 7 days, each due 10 minutes before.
    expect(jobs.map((j) => [j.key, new Date(j.runAt).toISOString()]).slice(0, 2)).toEqual([
      [handoffKey('ml-platform', t('2026-11-28T09:00:00Z')), '2026-11-28T08:50:00.000Z'],
      [handoffKey('ml-platform', t('2026-11-29T09:00:00Z')), '2026-11-29T08:50:00.000Z'],
    ]);
    expect(jobs).toHaveLength(7);
    expect(await listJobs(store.db, 'handoff-plan:')).toHaveLength(1);
    // Idempotent.
    await mod.start(store.db, clock.now());
    expect(await listJobs(store.db, 'handoff:ml-platform:')).toHaveLength(7);

    clock.set('2026-11-28T08:49:59Z');
    expect(await worker.runDue()).toBe(1); // the 12:00 re-plan, which plans the next one
    expect(await events()).toEqual([]);
    expect((await listJobs(store.db, 'handoff-plan:')).map((j) => [j.status, j.runAt])).toEqual([
      ['done', t('2026-11-27T12:00:00Z')],
      ['pending', t('2026-11-28T12:00:00Z')],
    ]);
    clock.set('2026-11-28T08:50:00Z');
    expect(await worker.runDue()).toBe(1);
    const sent = await events();
    expect(sent.map((e) => e.user).sort()).toEqual(['bob', 'carol']);
    expect(sent.every((e) => e.at === t('2026-11-28T08:50:00Z'))).toBe(true);
    expect(pokes).toBe(1);
    expect(sent[0]?.key).toMatch(/^oncall\/ml-platform:handoff#\d+:(bob|carol):hook:0$/);

    // Re-planning after the run keeps the sent notice done and adds the next day.
    const after = await listJobs(store.db, 'handoff:ml-platform:');
    expect(after.find((j) => j.runAt === t('2026-11-28T08:50:00Z'))?.status).toBe('done');
    expect(after.filter((j) => j.status === 'pending')).toHaveLength(6); // 11-29 … 12-04
    await mod.start(store.db, clock.now());
    expect(await worker.runDue()).toBe(0);
    expect(await events()).toHaveLength(2);
  });

  it('drops a notice found long after its handoff (the worker was down)', async () => {
    await oncallModule(loaded, { dispatch }).start(store.db, clock.now());
    clock.set('2026-11-28T09:20:00Z');
    await worker.runDue();
    expect(await events()).toEqual([]);
    const done = await listJobs(store.db, handoffKey('ml-platform', t('2026-11-28T09:00:00Z')));
    expect(done[0]?.status).toBe('done');
  });

  it('tells affected users when an override moves their shift, and moves the handoff notices', async () => {
    const hook = overrideNoticeHook(loaded, () => clock.now(), { dispatch });
    await store.db.transaction().execute((trx) => scheduleHandoffs(trx, loaded, clock.now()));
    const o = await createOverride(
      store,
      oncallCatalog(loaded),
      'ml-platform',
      { user: 'dave', replaces: 'carol', start: t('2026-11-28T09:00:00Z'), end: t('2026-11-29T09:00:00Z') },
      { now: clock.now(), createdBy: 'test', onChange: hook },
    );
    const keys = (await listJobs(store.db, 'shift-change:')).map((j) => j.key);
    expect(keys).toEqual([`shift-change:ml-platform:created-${o.id}`]);
    const pending = (await listJobs(store.db, 'handoff:ml-platform:')).filter((j) => j.status === 'pending');
    expect(pending[0]?.payload).toEqual({
      scheduleId: 'ml-platform',
      at: t('2026-11-28T09:00:00Z'),
      outgoing: ['bob'],
      incoming: ['dave'],
    });
    expect(await worker.runDue()).toBe(1);
    const sent = await events();
    expect(sent.map((e) => e.user).sort()).toEqual(['carol', 'dave']);

    // At the handoff, the notice goes to bob and dave (not carol).
    clock.set('2026-11-28T08:50:00Z');
    await worker.runDue();
    const handoff = (await events()).filter((e) => e.key.includes(`:handoff#${t('2026-11-28T09:00:00Z')}:`));
    expect(handoff.map((e) => e.user).sort()).toEqual(['bob', 'dave']);
  });
});
