import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnVigil, tempDir, type VigilProcess } from '../helpers/process.ts';
import { toolsAvailable } from '../helpers/tools.ts';

const run = promisify(execFile);
const KEY = 'e2e-amtool-silence-integration-key';
const TOKEN = 'e2e-amtool-silence-admin-token-0123';
const enabled = toolsAvailable('amtool silence end-to-end test', ['amtool']);

interface AmSilence {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
  createdBy: string;
  comment: string;
}
interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

describe.skipIf(!enabled)('amtool silence add/query/expire against vigil', () => {
  let dir: string;
  let vigil: VigilProcess;
  let amtool: (...args: string[]) => Promise<string>;

  beforeAll(async () => {
    dir = tempDir('vigil-e2e-amtool-silence-');
    fs.writeFileSync(
      path.join(dir, 'vigil.yaml'),
      `integrations:\n  - name: prometheus\n    key: ${KEY}\n    format: alertmanager\n`,
    );
    fs.writeFileSync(path.join(dir, 'amtool-http.yml'), `authorization:\n  credentials: ${TOKEN}\n`);
    vigil = await spawnVigil({
      configFile: path.join(dir, 'vigil.yaml'),
      dataDir: path.join(dir, 'data'),
      env: { VIGIL_API_TOKEN: TOKEN },
    });
    amtool = async (...args) =>
      (
        await run('amtool', [
          ...args,
          `--alertmanager.url=${vigil.url}`,
          `--http.config.file=${path.join(dir, 'amtool-http.yml')}`,
        ])
      ).stdout;
    const now = Date.now();
    const res = await fetch(`${vigil.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        ['gpu-7:9400', 'cpu-1:9100'].map((instance) => ({
          labels: { alertname: 'NodeDown', service: 'training', instance },
          startsAt: new Date(now - 60_000).toISOString(),
          endsAt: new Date(now + 3_600_000).toISOString(),
        })),
      ),
    });
    expect(res.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await vigil?.kill('SIGTERM');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('adds a silence, lists it, shows the alert as suppressed, and expires it', async () => {
    const id = (
      await amtool(
        'silence',
        'add',
        'alertname=NodeDown',
        'instance=~gpu-.*',
        '--duration=2h',
        '--author=e2e@example.com',
        '--comment=driver upgrade',
      )
    ).trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = JSON.parse(await amtool('silence', 'query', '-o', 'json')) as AmSilence[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id,
      status: { state: 'active' },
      createdBy: 'e2e@example.com',
      comment: 'driver upgrade',
    });
    expect(listed[0]?.matchers.map((m) => [m.name, m.value, m.isRegex]).sort()).toEqual([
      ['alertname', 'NodeDown', false],
      ['instance', 'gpu-.*', true],
    ]);
    const filtered = JSON.parse(
      await amtool('silence', 'query', '-o', 'json', 'instance=~gpu-.*'),
    ) as AmSilence[];
    expect(filtered.map((s) => s.id)).toEqual([id]);

    const alerts = JSON.parse(
      await amtool('alert', 'query', '--silenced', '--active', '-o', 'json'),
    ) as AmAlert[];
    const byInstance = Object.fromEntries(alerts.map((a) => [a.labels['instance'], a.status]));
    expect(byInstance['gpu-7:9400']).toMatchObject({ state: 'suppressed', silencedBy: [id] });
    expect(byInstance['cpu-1:9100']).toMatchObject({ state: 'active', silencedBy: [] });
    const unsilenced = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as AmAlert[];
    expect(unsilenced.map((a) => a.labels['instance'])).toEqual(['cpu-1:9100']);

    await amtool('silence', 'expire', id);
    expect(JSON.parse(await amtool('silence', 'query', '-o', 'json'))).toEqual([]);
    const expired = JSON.parse(await amtool('silence', 'query', '--expired', '-o', 'json')) as AmSilence[];
    expect(expired.map((s) => [s.id, s.status.state])).toEqual([[id, 'expired']]);
    const after = JSON.parse(await amtool('alert', 'query', '-o', 'json')) as AmAlert[];
    expect(after.map((a) => a.status.state).sort()).toEqual(['active', 'active']);
  });

  it('reports a silence that would match everything as an error naming the matchers', async () => {
    const err = (await amtool('silence', 'add', 'alertname=~.*', '--comment=x').catch((e: unknown) => e)) as {
      stderr?: string;
    };
    expect(err.stderr ?? '').toMatch(/400.*at least one matcher must not match the empty string/);
  });
});
