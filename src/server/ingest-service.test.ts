import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../alerts/fingerprint.ts';
import type { Alert } from '../alerts/alert.ts';
import { sql, type Kysely } from 'kysely';
import { batchOf } from '../ingest/alert-batch.ts';
import { runPlan } from '../store/batch.ts';
import { sqliteMessages } from '../store/sqlite-thread.ts';
import { journalOf } from '../ingest/journal-store.ts';
import type { JournalDatabase } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { bodyReaderOf } from './ingest-entry.ts';
import { APPLY_LOCK } from '../ingest/apply-entries.ts';
import { ingestServiceOf } from './ingest-service.ts';
import { createTestApp, TEST_KEY, type TestApp } from './testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };

function alert(labels: Record<string, string>, now: number): Alert {
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: {},
    startsAt: now,
    endsAt: now + 300_000,
    timeout: true,
    updatedAt: now,
    generatorURL: '',
    source: 'alertmanager-api',
  };
}

describe.each(storeFactories())('ingest journal on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store);
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });

  /** The journal's table, wherever this store keeps it (a file of its own on SQLite). */
  const journalTable = (): Kysely<JournalDatabase> =>
    store.journalDb ?? (store.db as unknown as Kysely<JournalDatabase>);
  const journalIds = async (): Promise<number[]> =>
    (await journalTable().selectFrom('ingest_journal').select('id').orderBy('id').execute()).map((r) =>
      Number(r.id),
    );
  const journalRows = async (): Promise<number> => (await journalIds()).length;

  it('answers a request that comes alone after its apply, with the incidents it opened', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [{ labels: { alertname: 'Alone', service: 's' } }],
    });
    expect(res.json()).toMatchObject({ applied: true, incidents_opened: ['INC-1'] });
    expect(await journalRows()).toBe(0);
  });

  it('reads large bodies on the reader thread and stores them like any other, bad items named', async () => {
    expect(await bodyReaderOf(t.ctx).start()).toBe(true);
    const batch = Array.from({ length: 64 }, (_, i) => ({
      labels: { alertname: 'Large', service: `s${i % 4}`, instance: `i${i}` },
      annotations: { summary: `alert ${i} of a batch large enough for the reader thread` },
      ...(i === 7 ? { startsAt: 'yesterday' } : {}),
    }));
    const res = await t.app.inject({ method: 'POST', url: '/api/v2/alerts', headers: key, payload: batch });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ accepted: 63, rejected: 1, errors: [{ field: '[7].startsAt' }] });
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { ...key, 'content-type': 'application/json' },
      payload: `${JSON.stringify(batch)}]`,
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().message).toContain('the body is not valid JSON');
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('vigil_ingest_bodies_read_total{on="thread"} 2');
    expect(await store.db.selectFrom('alerts').select('fingerprint').execute()).toHaveLength(63);
    expect(await store.db.selectFrom('incidents').select('title').execute()).toHaveLength(4);
  });

  it('applies alerts of new groups at once; alerts of groups seen before wait while alerts arrive fast, in order', async () => {
    // Long waits, so that what waits stays waiting until the test asks for it (an API read).
    const service = ingestServiceOf(t.ctx, { deferAboveRate: 0, maxWaitMs: 60_000 });
    const post = (alerts: unknown[]): Promise<{ json(): { applied: boolean } }> =>
      t.app.inject({ method: 'POST', url: '/api/v2/alerts', headers: key, payload: alerts });
    const known = { alertname: 'Known', service: 'a' };
    const fp = fingerprint(known);
    // Alone: applied before the answer; its group is now seen.
    expect((await post([{ labels: known }])).json().applied).toBe(true);
    // Concurrent: Known's alert resolves (a group seen before) and a new group fires.
    const now = new Date(t.clock.now()).toISOString();
    const answers = await Promise.all([
      post([{ labels: known, startsAt: now, endsAt: now }]),
      post([{ labels: { alertname: 'Fresh', service: 'b' } }]),
    ]);
    expect(answers.map((r) => r.json().applied)).toEqual([false, false]);
    expect(service.deferred).toBe(1);
    // The new group's incident opens without waiting for the requests to stop…
    const titles = async (): Promise<string[]> =>
      (await store.db.selectFrom('incidents').select('title').orderBy('id').execute()).map((i) => i.title);
    await vi.waitFor(async () => expect(await titles()).toEqual(['Known on a', 'Fresh on b']));
    // …while the resolve of Known's alert still waits.
    const endsAt = async (): Promise<number> =>
      Number(
        (
          await store.db
            .selectFrom('alerts')
            .select('ends_at')
            .where('fingerprint', '=', fp)
            .executeTakeFirst()
        )?.ends_at,
      );
    expect(await endsAt()).toBeGreaterThan(t.clock.now());
    expect(service.deferred).toBe(1);
    // A read waits for everything acknowledged, what waited included.
    const viewer = { authorization: `Bearer ${await t.token('viewer')}` };
    const listed = await t.app.inject({ method: 'GET', url: '/api/v2/alerts?active=false', headers: viewer });
    expect(listed.statusCode).toBe(200);
    expect(await endsAt()).toBe(t.clock.now());
    expect(service.deferred).toBe(0);
    expect(await journalRows()).toBe(0);
  });

  it('bounds the groups it remembers; past the bound new groups wait like the others', async () => {
    const service = ingestServiceOf(t.ctx, { deferAboveRate: 0, maxWaitMs: 60_000, maxSeenGroups: 2 });
    const post = (name: string): Promise<unknown> =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [{ labels: { alertname: name, service: 'x' } }],
      });
    // Three new groups in one commit: two are remembered and go first, the third waits.
    await Promise.all([post('One'), post('Two'), post('Three')]);
    expect(service.deferred).toBe(1);
    const viewer = { authorization: `Bearer ${await t.token('viewer')}` };
    await t.app.inject({ method: 'GET', url: '/api/v2/alerts', headers: viewer });
    expect(service.deferred).toBe(0);
    // Nothing waits any more, so the full set is cleared: a new group goes first again.
    await Promise.all([post('Four'), post('Five')]);
    expect(service.deferred).toBe(0);
    await t.app.inject({ method: 'GET', url: '/api/v2/alerts', headers: viewer });
    const titles = (await store.db.selectFrom('incidents').select('title').execute()).map((i) => i.title);
    expect(titles.sort()).toEqual(['Five on x', 'Four on x', 'One on x', 'Three on x', 'Two on x']);
  });

  it('answers concurrent requests once journaled, and API reads still see every acknowledged alert', async () => {
    const viewer = { authorization: `Bearer ${await t.token('viewer')}` };
    const posts = Array.from({ length: 6 }, (_, i) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [{ labels: { alertname: 'Burst', service: `s${i}` } }],
      }),
    );
    const answers = await Promise.all(posts);
    expect(answers.every((r) => r.statusCode === 200)).toBe(true);
    // They shared one journal commit, so they were answered before the apply.
    expect(answers.map((r) => r.json().applied as boolean)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    // The apply waits (up to 20 ms) for more alerts; a read does not: it waits for the apply.
    const listed = await t.app.inject({ method: 'GET', url: '/api/v2/alerts', headers: viewer });
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as unknown[]).length).toBe(6);
    expect(await journalRows()).toBe(0);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('vigil_ingest_pending_alerts 0');
  });

  it('applies what a crash left in the journal before anything else, exactly once', async () => {
    const now = t.clock.now();
    // A batch that was acknowledged (its journal row committed) but never applied: the process died.
    await journalOf(store).append(
      batchOf([
        alert({ alertname: 'Crash', service: 'a' }, now),
        alert({ alertname: 'Crash', service: 'b' }, now),
      ]),
      now,
    );
    const service = ingestServiceOf(t.ctx);
    expect(await service.recover()).toBe(2);
    expect(await journalRows()).toBe(0);
    const incidents = await store.db.selectFrom('incidents').select(['title', 'triggered_at']).execute();
    expect(incidents.map((i) => i.title).sort()).toEqual(['Crash on a', 'Crash on b']);
    // Applied at the time it was received, not at recovery time.
    expect(incidents.every((i) => Number(i.triggered_at) === now)).toBe(true);
    expect(await service.recover()).toBe(0);
    expect(await store.db.selectFrom('alerts').select('fingerprint').execute()).toHaveLength(2);
  });

  it.runIf(factory.name === 'sqlite')(
    'applies a request of many new groups in a few messages to the SQLite thread, however many groups',
    async () => {
      const post = async (groups: number, tag: string): Promise<number> => {
        const before = sqliteMessages();
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v2/alerts',
          headers: key,
          payload: Array.from({ length: groups }, (_, i) => ({
            labels: { alertname: tag, service: `s${i}` },
          })),
        });
        expect(res.json()).toMatchObject({ applied: true });
        expect(res.json<{ incidents_opened: string[] }>().incidents_opened).toHaveLength(groups);
        return sqliteMessages() - before;
      };
      const few = await post(2, 'Few');
      const many = await post(60, 'Many');
      // Journal commit; the claim with the first reads; open incidents and group timers; the new
      // incidents (number, rows, their timeline); every write; the commit; the journal entry's
      // removal (its record goes with the next claim): the same count for 2 groups as for 60.
      expect(many).toBe(few);
      expect(many).toBeLessThanOrEqual(9);
      // The record of the applied entry stays until the next claim, which removes it.
      expect(await store.db.selectFrom('ingest_applied').select('id').execute()).toHaveLength(1);
      await post(1, 'Next');
      const left = await store.db.selectFrom('ingest_applied').select('id').execute();
      expect(left).toHaveLength(1);
      expect(await ingestServiceOf(t.ctx).recover()).toBe(0);
    },
  );

  it('does not apply again an entry whose apply committed just before a crash', async () => {
    const now = t.clock.now();
    const journal = journalOf(store);
    const applied = (await journal.append(batchOf([alert({ alertname: 'Done', service: 'a' }, now)]), now))
      .id;
    await journal.append(batchOf([alert({ alertname: 'Open', service: 'b' }, now)]), now);
    // The crash came between the apply's commit (which claimed the entry) and its removal.
    await store.db.transaction().execute(async (trx) => {
      expect([...(await runPlan(trx, journal.claim(trx, [applied])))]).toEqual([applied]);
    });
    const service = ingestServiceOf(t.ctx);
    expect(await service.recover()).toBe(1);
    expect((await store.db.selectFrom('incidents').select('title').execute()).map((i) => i.title)).toEqual([
      'Open on b',
    ]);
    expect(await journalRows()).toBe(0);
    expect(await service.recover()).toBe(0);
    expect(await store.db.selectFrom('alerts').select('fingerprint').execute()).toHaveLength(1);
  });

  it.runIf(factory.name === 'sqlite')(
    'applies entries an older version left in the main database, and moves none twice',
    async () => {
      const now = t.clock.now();
      const legacy = store.db as unknown as Kysely<JournalDatabase>;
      await legacy
        .insertInto('ingest_journal')
        .values({
          received_at: now,
          count: 1,
          alerts: JSON.stringify([alert({ alertname: 'Old', service: 'a' }, now)]),
        })
        .execute();
      expect(await ingestServiceOf(t.ctx).recover()).toBe(1);
      expect((await store.db.selectFrom('incidents').select('title').execute()).map((i) => i.title)).toEqual([
        'Old on a',
      ]);
      expect(await legacy.selectFrom('ingest_journal').select('id').execute()).toEqual([]);
      expect(await journalRows()).toBe(0);
    },
  );

  it('does not let one batch that cannot be applied hold back the alerts after it', async () => {
    const now = t.clock.now();
    // A journaled batch that cannot be applied (labels missing: what a bug or a damaged row would do).
    const poison = await journalTable()
      .insertInto('ingest_journal')
      .values({
        received_at: now,
        count: 1,
        alerts: JSON.stringify([{ fingerprint: '0000000000000001', labels: null, annotations: {} }]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await journalOf(store).append(batchOf([alert({ alertname: 'After', service: 'a' }, now)]), now);
    const service = ingestServiceOf(t.ctx);
    await service.recover();
    // The good batch after it was applied; the bad one is still journaled, not lost.
    expect((await store.db.selectFrom('incidents').select('title').execute()).map((i) => i.title)).toEqual([
      'After on a',
    ]);
    expect(await journalIds()).toEqual([Number(poison.id)]);
    // Operators see it: the parked alert is a metric until it applies.
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('vigil_ingest_parked_alerts 1');
    // New alerts are not held back by it either.
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: [{ labels: { alertname: 'Later', service: 'b' } }],
    });
    expect(res.statusCode).toBe(200);
    const viewer = { authorization: `Bearer ${await t.token('viewer')}` };
    const listed = await t.app.inject({ method: 'GET', url: '/api/v2/alerts', headers: viewer });
    expect(
      (listed.json() as Array<{ labels: Record<string, string> }>).map((a) => a.labels['alertname']).sort(),
    ).toEqual(['After', 'Later']);
  });

  it('refuses with 503 and Retry-After when too many alerts wait, writing nothing', async () => {
    const small = await createTestApp(store, {
      configText: `integrations:\n  - name: test\n    key: ${TEST_KEY}\nserver:\n  ingest_queue: { max_queued: 3 }\n`,
    });
    try {
      const res = await small.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [1, 2, 3, 4].map((i) => ({ labels: { alertname: 'Big', service: `s${i}` } })),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(await journalRows()).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('refuses an ingestion request while the queue is full before reading its body', async () => {
    const small = await createTestApp(store, {
      configText: `integrations:\n  - name: test\n    key: ${TEST_KEY}\nserver:\n  ingest_queue: { max_queued: 2 }\n`,
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Hold the apply back (SQLite: the one connection; PostgreSQL: the appliers' lock).
    let holding!: () => void;
    const holdingNow = new Promise<void>((r) => (holding = r));
    const blocker = store.db.transaction().execute(async (trx) => {
      if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${APPLY_LOCK})`.execute(trx);
      else await trx.selectFrom('alerts').select('fingerprint').limit(1).execute();
      holding();
      await held;
    });
    try {
      await holdingNow;
      const first = small.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [1, 2].map((i) => ({ labels: { alertname: 'Fill', service: `s${i}` } })),
      });
      await vi.waitFor(() => expect(ingestServiceOf(small.ctx).full).toBe(true));
      // Not even valid JSON: a 400 would show the body was parsed.
      const refused = await small.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: { ...key, 'content-type': 'application/json' },
        payload: '{not json',
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('1');
      expect(refused.json()).toMatchObject({ code: 'overloaded' });
      release();
      await blocker;
      expect((await first).statusCode).toBe(200);
      expect(await store.db.selectFrom('alerts').select('fingerprint').execute()).toHaveLength(2);
    } finally {
      release();
      await blocker;
      await small.close();
    }
  });
});
