import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.ts';
import { spawnVigil, tempDir, type VigilProcess } from '../helpers/process.ts';

const KEY = 'crash-test-integration-key-0001';
const TOKEN = 'crash-test-admin-token-000001';

describe('accepted means durable: SIGKILL right after alerts were acknowledged', () => {
  const dir = tempDir('vigil-crash-');
  const configFile = path.join(dir, 'vigil.yaml');
  const dataDir = path.join(dir, 'data');
  fs.writeFileSync(configFile, `integrations:\n  - name: load\n    key: ${KEY}\n`);
  let server: VigilProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every alert whose batch got a 2xx, with consistent incidents, after a restart', async () => {
    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    const batches = 120;
    const perBatch = 25;
    const accepted = new Set<string>();
    let inFlightAtKill = 0;
    let next = 0;
    let killed = false;
    const url = server.url;
    const post = async (b: number): Promise<void> => {
      const alerts = Array.from({ length: perBatch }, (_, i) => ({
        labels: {
          alertname: `Load${b % 10}`,
          service: `svc-${b % 7}`,
          instance: `b${b}-i${i}`,
          severity: 'warning',
        },
        startsAt: new Date().toISOString(),
      }));
      try {
        const res = await fetch(`${url}/api/v2/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
        });
        if (res.status === 200) for (const a of alerts) accepted.add(fingerprint(a.labels));
      } catch {
        // the server died with this batch in flight: not acknowledged, so no promise was made
      }
    };
    // Eight concurrent senders; the server is killed once half of the batches were acknowledged.
    const sender = async (): Promise<void> => {
      while (next < batches) {
        const b = next++;
        if (!killed && accepted.size >= (batches / 2) * perBatch) {
          killed = true;
          inFlightAtKill = next - 1 - accepted.size / perBatch;
          await server?.kill('SIGKILL');
        }
        await post(b);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(killed).toBe(true);
    expect(accepted.size).toBeGreaterThanOrEqual((batches / 2) * perBatch);

    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    const res = await fetch(`${server.url}/api/v1/alerts?state=all&limit=10000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const stored = (await res.json()) as {
      alerts: Array<{ fingerprint: string; incident: number | null; labels: Record<string, string> }>;
    };
    const storedFps = new Set(stored.alerts.map((a) => a.fingerprint));
    const lost = [...accepted].filter((fp) => !storedFps.has(fp));
    console.info(
      `crash test: ${accepted.size} alerts acknowledged before the kill, ${stored.alerts.length} stored after restart, ~${Math.max(0, Math.round(inFlightAtKill))} batches in flight, ${lost.length} lost`,
    );
    expect(lost).toEqual([]);

    // Incidents are consistent with their alerts: each firing alert belongs to the open incident of its group.
    const inc = await fetch(`${server.url}/api/v1/incidents?limit=1000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const incidents = (
      (await inc.json()) as { incidents: Array<{ number: number; title: string; status: string }> }
    ).incidents;
    const byNumber = new Map(incidents.map((i) => [i.number, i]));
    expect(stored.alerts.filter((a) => a.incident === null)).toEqual([]);
    const groups = new Set(stored.alerts.map((a) => `${a.labels['alertname']} on ${a.labels['service']}`));
    expect(
      incidents
        .filter((i) => i.status === 'triggered')
        .map((i) => i.title)
        .sort(),
    ).toEqual([...groups].sort());
    expect(byNumber.size).toBe(groups.size);
  }, 90_000);
});
