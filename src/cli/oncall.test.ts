import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ONCALL_TEST_CONFIG as ONCALL_CONFIG } from '../oncall/testing.ts';
import { oncallRoutes } from '../server/routes/oncall.ts';
import { createTestApp, type TestApp } from '../server/testing.ts';
import { VigilError } from '../shared/errors.ts';
import { openTempSqlite } from '../store/testing.ts';
import type { Store } from '../store/store.ts';
import { registerOncallCommands } from './oncall.ts';

let store: Store;
let t: TestApp;
let url = '';

beforeAll(async () => {
  store = await openTempSqlite();
  t = await createTestApp(store, { configText: ONCALL_CONFIG, extra: [oncallRoutes] });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  vi.stubEnv('VIGIL_API_TOKEN', await t.token('responder'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.close();
  await store.close();
});

/** Runs `vigil oncall …` against the listening app and returns what it printed. */
async function run(...args: string[]): Promise<string> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const program = new Command().exitOverride();
    registerOncallCommands(program);
    await program.parseAsync(['oncall', ...args, '--url', url], { from: 'user' });
    return out.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    out.mockRestore();
  }
}

describe('vigil oncall', () => {
  it('who: a readable summary, and the API JSON with --json', async () => {
    expect(await run('who', '--schedule', 'ml-platform')).toBe(
      [
        'ml-platform at 2026-11-27 10:00Z',
        '  on call: bob  (rotation, layer primary, 2026-11-27 09:00Z → 2026-11-28 09:00Z)',
        '  next:    carol from 2026-11-28 09:00Z',
        '  backup:  carol (next-in-rotation)',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(
      await run('who', '--schedule', 'ml-platform', '--at', '2026-11-29T12:00:00Z', '--json'),
    ) as {
      users: string[];
    };
    expect(json.users).toEqual(['alice']);
  });

  it('shifts and schedules print tables', async () => {
    const text = await run(
      'shifts',
      '--schedule',
      'ml-platform',
      '--from',
      '2026-11-27T00:00:00Z',
      '--to',
      '2026-11-28T00:00:00Z',
    );
    expect(text).toBe(
      [
        'START              END                ON CALL  LAYER    REASON',
        '2026-11-27 00:00Z  2026-11-27 09:00Z  alice    primary  rotation',
        '2026-11-27 09:00Z  2026-11-28 00:00Z  bob      primary  rotation',
        '',
      ].join('\n'),
    );
    expect(await run('schedules')).toContain('ml-platform  ML platform  UTC   bob');
  });

  it('override add, list and remove; a bad override reports the field', async () => {
    const added = await run(
      'override',
      'add',
      '--schedule',
      'ml-platform',
      '--user',
      'dave',
      '--replaces',
      'bob',
      '--start',
      '2026-11-27T12:00:00Z',
      '--end',
      '2026-11-27T18:00:00Z',
      '--note',
      'swap',
    );
    const id = /override (\S+) created \(replace\)/.exec(added)?.[1] ?? '';
    expect(id).not.toBe('');
    const list = await run('override', 'list', '--schedule', 'ml-platform');
    expect(list.split('\n')[1]).toMatch(
      new RegExp(
        `^${id}\\s+replace\\s+dave\\s+bob\\s+2026-11-27 12:00Z\\s+2026-11-27 18:00Z\\s+test-responder\\s+swap$`,
      ),
    );
    expect(await run('who', '--schedule', 'ml-platform', '--at', '2026-11-27T13:00:00Z', '--json')).toContain(
      '"dave"',
    );

    const err = await run(
      'override',
      'add',
      '--schedule',
      'ml-platform',
      '--user',
      'zed',
      '--start',
      '2026-11-27T12:00:00Z',
      '--end',
      '2026-11-27T11:00:00Z',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).issues.map((i) => i.field).sort()).toEqual(['body.end', 'body.user']);

    expect(await run('override', 'remove', id, '--schedule', 'ml-platform')).toBe(`override ${id} removed\n`);
    const gone = await run('override', 'list', '--schedule', 'ml-platform', '--json');
    expect(JSON.parse(gone)).toEqual({ overrides: [] });
  });

  it('report prints people and schedules; ical-url prints the feed URL', async () => {
    const text = await run('report', '--period', 'last_7_days');
    expect(text).toContain('last_7_days: 2026-11-20 10:00Z → 2026-11-27 10:00Z, 0 pages');
    expect(text).toMatch(/alice\s+48\s+0\s+0\s+0\s+0/);
    expect(text).toMatch(/ml-platform\s+97\s+71\s/);
    const json = JSON.parse(await run('report', '--json')) as { period: { label: string } };
    expect(json.period.label).toBe('last_30_days');
    expect(await run('ical-url', '--schedule', 'ml-platform')).toMatch(
      /^http:\/\/vigil\.test\/api\/v1\/schedules\/ml-platform\/ical\?token=[\w-]+\n$/,
    );
  });
});
