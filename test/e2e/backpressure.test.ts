import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.ts';
import { spawnVigil, tempDir, type VigilProcess } from '../helpers/process.ts';

const KEY = 'backpressure-integration-key-01';
const TOKEN = 'backpressure-admin-token-00001';

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

describe('backpressure: a flood is refused with 503 + Retry-After, memory stays bounded, nothing acknowledged is lost', () => {
  const dir = tempDir('vigil-flood-');
  let server: VigilProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sheds load instead of queueing it without bound', async () => {
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'server:',
        '  ingest_queue: { max_batch: 500, max_queued: 1000 }',
        'integrations:',
        `  - { name: flood, key: ${KEY} }`,
        '',
      ].join('\n'),
    );
    server = await spawnVigil({
      configFile,
      dataDir: path.join(dir, 'data'),
      env: { VIGIL_API_TOKEN: TOKEN },
    });
    const pid = server.child.pid ?? 0;
    const url = server.url;
    let maxRss = rss(pid);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rss(pid))), 50);
    const accepted = new Set<string>();
    let refused = 0;
    let retryAfterSeen = 0;
    let next = 0;
    const batches = 240;
    const sender = async (): Promise<void> => {
      while (next < batches) {
        const b = next++;
        const alerts = Array.from({ length: 200 }, (_, i) => ({
          labels: { alertname: `Flood${b % 5}`, service: 'svc', instance: `b${b}-i${i}` },
        }));
        // A bounded resend loop, as Prometheus' notifier does.
        for (let attempt = 0; attempt < 200; attempt++) {
          const res = await fetch(`${url}/api/v2/alerts`, {
            method: 'POST',
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify(alerts),
          });
          await res.arrayBuffer();
          if (res.status === 200) {
            for (const a of alerts) accepted.add(fingerprint(a.labels));
            break;
          }
          expect(res.status).toBe(503);
          refused++;
          if (res.headers.get('retry-after')) retryAfterSeen++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    await Promise.all(Array.from({ length: 48 }, sender));
    clearInterval(sampler);
    console.info(
      `backpressure: ${accepted.size} alerts accepted, ${refused} requests refused with 503, max RSS ${(maxRss / 1048576).toFixed(0)} MiB`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(retryAfterSeen).toBe(refused);
    expect(maxRss).toBeLessThan(600 * 1024 * 1024);
    expect(accepted.size).toBe(batches * 200);
    const res = await fetch(`${url}/api/v1/alerts?state=all&limit=100000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const stored = new Set(
      ((await res.json()) as { alerts: Array<{ fingerprint: string }> }).alerts.map((a) => a.fingerprint),
    );
    expect([...accepted].filter((fp) => !stored.has(fp))).toEqual([]);
  }, 120_000);
});
