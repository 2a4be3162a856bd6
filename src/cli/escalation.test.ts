import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configText, harness, startFakePeers, type Harness } from '../../test/escalation/harness.ts';
import type { Store } from '../store/store.ts';
import { openTempSqlite } from '../store/testing.ts';
import { registerEscalationCommands } from './escalation.ts';

const { slack, twilio } = startFakePeers();
const POLICIES = `  - id: default
    levels:
      - { after_minutes: 0, notify: [schedule:ml-platform] }
      - { after_minutes: 30, notify: [user:bob] }
  - id: quick
    levels:
      - { after_minutes: 0, notify: [user:carol] }
      - { after_minutes: 10, notify: [user:bob] }`;

describe('vigil incidents escalate (against a real server)', () => {
  let store: Store;
  let h: Harness;
  let url = '';
  beforeEach(async () => {
    store = await openTempSqlite();
    h = await harness(store, configText(slack, twilio, POLICIES));
    url = await h.t.app.listen({ port: 0, host: '127.0.0.1' });
    vi.stubEnv('VIGIL_API_TOKEN', await h.t.token('responder'));
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    await h.close();
    await store.close();
  });
  const run = async (...args: string[]): Promise<unknown> => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const program = new Command().exitOverride();
    registerEscalationCommands(program);
    await program.parseAsync(['incidents', ...args, '--url', url, '--json'], { from: 'user' });
    vi.restoreAllMocks();
    return JSON.parse(out) as unknown;
  };

  it('sets the per-incident policy and delays, then escalates now', async () => {
    const id = await h.postAlert();
    await h.pass();
    const set = await run('escalate', id, '--policy', 'quick', '--after-minutes', '20');
    expect(set).toMatchObject({
      policy: 'quick',
      steps: [
        { level: 0, status: 'fired' },
        { level: 1, status: 'pending' },
      ],
    });
    const now = await run('escalate', id);
    expect(now).toMatchObject({ steps: [{ level: 0 }, { level: 1, status: 'pending' }] });
    await h.pass();
    expect(await run('escalation', id)).toMatchObject({
      steps: [
        { level: 0, status: 'fired', users: ['alice'] },
        { level: 1, status: 'fired', users: ['bob'] },
      ],
    });
    await expect(run('escalate', id, '--after-minutes', 'soon')).rejects.toThrow(/after-minutes/);
  });
});
