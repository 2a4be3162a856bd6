import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnVigil, tempDir, waitFor, type VigilProcess } from '../helpers/process.ts';
import { startPrometheus } from '../helpers/prometheus.ts';
import { toolsAvailable } from '../helpers/tools.ts';

const KEY = 'e2e-resend-integration-key-0001';
const TOKEN = 'e2e-resend-admin-token-000001';
const enabled = toolsAvailable('Prometheus resend end-to-end test', ['prometheus']);

/** A counter from Prometheus' own /metrics, summed over its labels. */
async function promCounter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

/**
 * The overload path with a real Prometheus (issue 7, backpressure). vigil's store stalls (another
 * connection holds SQLite's write lock, as a stuck disk would), so what it accepts cannot be
 * applied: a request that came alone is still answered as accepted once its apply fails (its
 * alerts are journaled), and with `max_queued` alerts waiting every later send is refused with 503
 * before its body is read. Prometheus counts those as failed sends and, as it does for every
 * firing alert, sends again a resend-delay later. When the store recovers, the journaled alert is
 * applied and Prometheus' alert arrives through its resends: nothing is lost, nothing stored twice.
 */
describe.skipIf(!enabled)('a stalled store: vigil refuses Prometheus with 503, Prometheus resends', () => {
  const dir = tempDir('vigil-e2e-resend-');
  let vigil: VigilProcess | undefined;
  let prom: ChildProcess | undefined;
  let lock: Database.Database | undefined;
  afterAll(async () => {
    prom?.kill('SIGTERM');
    if (lock?.inTransaction) lock.exec('rollback');
    lock?.close();
    await vigil?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("applies what it accepted during the stall and gets what it refused from Prometheus' resends", async () => {
    fs.writeFileSync(
      path.join(dir, 'vigil.yaml'),
      [
        'server:',
        '  ingest_queue: { max_queued: 1 }',
        'integrations:',
        `  - { name: prometheus, key: ${KEY}, format: alertmanager }`,
        '',
      ].join('\n'),
    );
    vigil = await spawnVigil({
      configFile: path.join(dir, 'vigil.yaml'),
      dataDir: path.join(dir, 'data'),
      env: { VIGIL_API_TOKEN: TOKEN },
    });
    // The stall: the write lock of vigil.db, held until Prometheus has been refused.
    lock = new Database(path.join(dir, 'data', 'vigil.db'));
    lock.exec('begin immediate');

    // A request alone: its apply waits for the lock and fails, and it is answered as accepted.
    const direct = await fetch(`${vigil.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { labels: { alertname: 'StallDirect', service: 'feature-store', severity: 'critical' } },
      ]),
    });
    expect(direct.status).toBe(200);

    // With that alert waiting the queue is full: every send of Prometheus' alert is refused.
    const started = await startPrometheus({
      dir,
      vigilPort: vigil.port,
      key: KEY,
      rules: [
        '      - alert: StallProm',
        '        expr: vector(1)',
        '        labels: { severity: critical, service: feature-store }',
      ],
    });
    prom = started.child;
    const promUrl = started.url;
    // Its first send and at least one resend, both refused.
    const refused = await waitFor(
      'two refused sends',
      async () => {
        const n = await promCounter(promUrl, 'prometheus_notifications_errors_total');
        return n >= 2 ? n : undefined;
      },
      45_000,
      250,
    );

    // The store recovers.
    lock.exec('rollback');
    lock.close();
    lock = undefined;

    const stored = await waitFor(
      'every alert stored',
      async () => {
        const r = await fetch(`${vigil?.url}/api/v1/alerts?state=all`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        if (r.status !== 200) return undefined;
        const body = (await r.json()) as { alerts: Array<{ labels: Record<string, string> }> };
        const names = body.alerts.map((a) => a.labels['alertname'] ?? '');
        return names.includes('StallDirect') && names.includes('StallProm') ? names : undefined;
      },
      60_000,
      250,
    );
    expect(stored.sort()).toEqual(['StallDirect', 'StallProm']);
    // Prometheus dropped the refused batches: only its resends could deliver the alert.
    expect(refused).toBeGreaterThanOrEqual(2);
    expect(await promCounter(promUrl, 'prometheus_notifications_dropped_total')).toBeGreaterThanOrEqual(
      refused,
    );
    const incidents = (await (
      await fetch(`${vigil.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { incidents: Array<{ title: string; status: string }> };
    expect(incidents.incidents.map((i) => `${i.title}: ${i.status}`).sort()).toEqual([
      'StallDirect on feature-store: triggered',
      'StallProm on feature-store: triggered',
    ]);
  }, 150_000);
});
