import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil, tempDir, type VigilProcess } from '../helpers/process.ts';

const KEY = 'shutdown-test-integration-key-1';
const TOKEN = 'shutdown-test-admin-token-0001';

describe('graceful shutdown', () => {
  const dir = tempDir('vigil-term-');
  let server: VigilProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finishes the requests in flight on SIGTERM, refuses new ones, and exits 0 with them stored', async () => {
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(configFile, `integrations:\n  - { name: t, key: ${KEY} }\n`);
    const dataDir = path.join(dir, 'data');
    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    const url = server.url;
    // Twenty requests are sent; SIGTERM follows as soon as the first answer arrives.
    const posts = Array.from({ length: 20 }, (_, b) =>
      fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          Array.from({ length: 200 }, (_, i) => ({ labels: { alertname: 'Term', instance: `b${b}-i${i}` } })),
        ),
      }).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await Promise.race(posts);
    const exited = server.kill('SIGTERM');
    const statuses = await Promise.all(posts);
    expect(await exited).toBe(0);
    const acknowledged = statuses.filter((s) => s === 200).length;
    // Every request either completed with 200 or was refused before it was read; none failed midway with a 5xx.
    expect(statuses.every((s) => s === 200 || s === 0 || s === 503)).toBe(true);
    expect(acknowledged).toBeGreaterThan(0);

    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    const res = await fetch(`${server.url}/api/v1/alerts?state=all&limit=100000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const stored = ((await res.json()) as { alerts: unknown[] }).alerts.length;
    expect(stored).toBeGreaterThanOrEqual(acknowledged * 200);
  }, 60_000);
});
