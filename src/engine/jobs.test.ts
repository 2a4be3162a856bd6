import { CompiledQuery, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';
import { cancelJobs, keyStartsWith, listJobs, scheduleJob } from './jobs.ts';

describe.each(storeFactories())('jobs by key prefix on $name', (factory) => {
  let store: Store;
  afterEach(async () => store?.close());

  async function schedule(keys: readonly string[]): Promise<void> {
    for (const key of keys) await scheduleJob(store.db, { kind: 'test', key, runAt: 1_000 }, 0);
  }

  it('finds exactly the keys that start with the prefix, whatever follows it', async () => {
    store = await factory.open();
    const inside = ['esc:1:', 'esc:1:0:0', 'esc:1:0:1', 'esc:1:ü', 'esc:1:\u{1F600}', 'esc:1:\u{E000}'];
    // Neighbours in every order: shorter, the range's upper bound itself, other incidents, case.
    const outside = ['esc:1', 'esc:1;', 'esc:10:0:0', 'esc:2:0:0', 'ESC:1:0:0', 'esc:', 'resolve-check:1'];
    await schedule([...inside, ...outside]);
    expect((await listJobs(store.db, 'esc:1:')).map((j) => j.key).sort()).toEqual([...inside].sort());
    expect(await listJobs(store.db, '')).toHaveLength(inside.length + outside.length);
    expect(await listJobs(store.db, 'nothing:')).toEqual([]);
    // Cancelling by the prefix takes the same keys, and only pending ones.
    expect(await cancelJobs(store.db, { prefix: 'esc:1:' }, 5)).toBe(inside.length);
    const after = await listJobs(store.db, 'esc:');
    expect(
      after
        .filter((j) => j.status === 'cancelled')
        .map((j) => j.key)
        .sort(),
    ).toEqual([...inside].sort());
  });

  it('matches prefixes whose last character is above ASCII, including where no range applies', async () => {
    store = await factory.open();
    // 'ÿ' (U+00FF) is raised to 'Ā' (U+0100) for the range; U+E000 and U+FFFF have no range to
    // compute and fall back to comparing the first characters.
    await schedule(['aÿ', 'aÿb', 'aÿ\u{1F600}', 'aĀ', 'a\u{E000}x', 'a\u{E001}', 'a\u{FFFF}1', 'b']);
    expect((await listJobs(store.db, 'aÿ')).map((j) => j.key).sort()).toEqual(
      ['aÿ', 'aÿb', 'aÿ\u{1F600}'].sort(),
    );
    expect((await listJobs(store.db, 'a\u{E000}')).map((j) => j.key)).toEqual(['a\u{E000}x']);
    expect((await listJobs(store.db, 'a\u{FFFF}')).map((j) => j.key)).toEqual(['a\u{FFFF}1']);
  });

  it('reads an incident’s jobs through an index, not the whole table', async () => {
    store = await factory.open();
    await schedule(['esc:1:0:0', 'esc:10:0:0', 'esc:2:0:0']);
    const query = store.db.selectFrom('jobs').selectAll().where(keyStartsWith(store.db, 'esc:1:')).compile();
    let plan: string;
    if (factory.name === 'sqlite') {
      const r = await store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      plan = r.rows.map((row) => row.detail).join('\n');
      expect(plan).toMatch(/SEARCH jobs USING INDEX \S+ \(key>\? AND key<\?\)/);
    } else {
      plan = await store.db.transaction().execute(async (trx) => {
        // With sequential scans priced out, the plan shows whether any index can serve the range.
        await sql`set local enable_seqscan = off`.execute(trx);
        const r = await trx.executeQuery<{ 'QUERY PLAN': string }>(
          CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]),
        );
        return r.rows.map((row) => row['QUERY PLAN']).join('\n');
      });
      expect(plan).toMatch(/Index.* using jobs_key_bytes/);
    }
    expect(plan).not.toMatch(/SCAN jobs\b|Seq Scan/);
  });
});
