import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../server/testing.ts';
import { silenceRoutes } from '../server/routes/silences.ts';
import { VigilError } from '../shared/errors.ts';
import type { Store } from '../store/store.ts';
import { openTempSqlite } from '../store/testing.ts';
import { registerSilenceCommands } from './silences.ts';

let store: Store;
let t: TestApp;
let url: string;

beforeAll(async () => {
  store = await openTempSqlite();
  t = await createTestApp(store, { extra: [silenceRoutes] });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  vi.stubEnv('VIGIL_API_TOKEN', t.ctx.envToken ?? '');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.close();
  await store.close();
});

/** Runs `vigil silences …` and returns what it printed. */
async function vigil(...args: string[]): Promise<string> {
  const program = new Command('vigil').exitOverride();
  registerSilenceCommands(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'vigil', 'silences', ...args, '--url', url]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('vigil silences', () => {
  it('adds, lists (table and --json) and expires silences', async () => {
    const id = (
      await vigil(
        'add',
        'alertname="GPUDown"',
        'instance=~"gpu-.*"',
        '--duration',
        '2h',
        '--comment',
        'driver upgrade',
        '--expire-on-resolve',
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const text = await vigil('list');
    expect(text.split('\n')[0]).toMatch(/^ID\s+STATE\s+MATCHERS\s+ENDS AT\s+CREATED BY\s+COMMENT$/);
    expect(text).toContain(`${id}  active  alertname="GPUDown" instance=~"gpu-.*"`);
    expect(text).toContain('2026-11-27T12:00:00.000Z  env-admin   driver upgrade [expires on resolve]');

    const json = JSON.parse(await vigil('list', '--json', 'alertname="GPUDown"')) as Array<{
      id: string;
      expire_on_resolve: boolean;
    }>;
    expect(json).toEqual([expect.objectContaining({ id, expire_on_resolve: true })]);

    expect(await vigil('expire', id)).toBe(`${id} expired\n`);
    expect(await vigil('list')).toBe('no silences\n');
    expect(JSON.parse(await vigil('list', '--state', 'expired', '--json'))).toHaveLength(1);
  });

  it('reports the server naming the bad field', async () => {
    const err = await vigil('add', 'alertname=~".*"', '--comment', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).issues).toEqual([
      { field: 'body.matchers', message: 'at least one matcher must not match the empty string' },
    ]);
  });
});
