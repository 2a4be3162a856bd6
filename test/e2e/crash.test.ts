import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.ts';
import { SEND_CONCURRENCY } from '../../src/notify/outbox-pass.ts';
import { spawnVigil, tempDir, waitFor, type VigilProcess } from '../helpers/process.ts';

const KEY = 'crash-test-integration-key-0001';
const TOKEN = 'crash-test-admin-token-000001';

/** A webhook receiver that records every delivery's webhook-id and the alerts it carried. */
class Receiver {
  readonly ids: string[] = [];
  readonly instances = new Set<string>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.ids.push(String(req.headers['webhook-id'] ?? ''));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        alerts: Array<{ labels: Record<string, string> }>;
      };
      for (const a of body.alerts) if (a.labels['instance']) this.instances.add(a.labels['instance']);
      res.writeHead(200).end();
    });
  });
  port = 0;
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
  duplicates(): number {
    return this.ids.length - new Set(this.ids).size;
  }
}

describe('accepted means durable: SIGKILL in the middle of a load', () => {
  const dir = tempDir('vigil-crash-');
  const configFile = path.join(dir, 'vigil.yaml');
  const dataDir = path.join(dir, 'data');
  const receiver = new Receiver();
  let server: VigilProcess | undefined;
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged alert, fires pending group timers after the restart, and resends only what was in flight', async () => {
    await receiver.start();
    fs.writeFileSync(
      configFile,
      [
        'integrations:',
        `  - { name: load, key: ${KEY} }`,
        'channels:',
        `  - { id: hook, type: webhook, url: "http://127.0.0.1:${receiver.port}/hook", format: alertmanager }`,
        'route:',
        '  receiver: hook',
        '  group_by: [alertname, service]',
        '  group_wait: 2s',
        '  group_interval: 2s',
        '  channels: [hook]',
        '',
      ].join('\n'),
    );
    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    const batches = 240;
    const perBatch = 100;
    const accepted = new Set<string>();
    const acceptedInstances = new Set<string>();
    let next = 0;
    let killedAt = -1;
    const failed: number[] = [];
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
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      }));
      try {
        const res = await fetch(`${url}/api/v2/alerts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
        });
        if (res.status === 200) {
          for (const a of alerts) {
            accepted.add(fingerprint(a.labels));
            acceptedInstances.add(a.labels.instance);
          }
        } else failed.push(b);
      } catch {
        // the server died with this batch in flight: it was never acknowledged, so it is resent
        failed.push(b);
      }
    };
    const sender = async (): Promise<void> => {
      while (next < batches) {
        const b = next++;
        if (killedAt < 0 && accepted.size >= (batches / 2) * perBatch) {
          killedAt = accepted.size;
          await server?.kill('SIGKILL');
        }
        await post(b);
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(killedAt).toBeGreaterThan(0);
    const deliveredBeforeKill = receiver.ids.length;
    // Acknowledged but not yet applied at the kill: these are applied from the journal at restart.
    // (The journal is its own file; an entry counts until its apply has committed in vigil.db.)
    const db = new Database(path.join(dataDir, 'vigil.db'));
    const applied = new Set(
      (db.prepare('select id from ingest_applied').all() as Array<{ id: number }>).map((r) => r.id),
    );
    db.close();
    const jdb = new Database(path.join(dataDir, 'journal.db'));
    const journaled = (
      jdb.prepare('select id, count from ingest_journal').all() as Array<{ id: number; count: number }>
    )
      .filter((r) => !applied.has(r.id))
      .reduce((n, r) => n + r.count, 0);
    jdb.close();

    server = await spawnVigil({ configFile, dataDir, env: { VIGIL_API_TOKEN: TOKEN } });
    // Like Prometheus, resend what was not acknowledged.
    const url2 = server.url;
    for (const b of failed.splice(0)) {
      const alerts = Array.from({ length: perBatch }, (_, i) => ({
        labels: {
          alertname: `Load${b % 10}`,
          service: `svc-${b % 7}`,
          instance: `b${b}-i${i}`,
          severity: 'warning',
        },
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      }));
      const r = await fetch(`${url2}/api/v2/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      expect(r.status).toBe(200);
      for (const a of alerts) {
        accepted.add(fingerprint(a.labels));
        acceptedInstances.add(a.labels.instance);
      }
    }
    expect(accepted.size).toBe(batches * perBatch);
    const res = await fetch(`${server.url}/api/v1/alerts?state=all&limit=100000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    const stored = (
      (await res.json()) as {
        alerts: Array<{ fingerprint: string; incident: number | null; labels: Record<string, string> }>;
      }
    ).alerts;
    const all = new Set(stored.map((a) => a.fingerprint));
    const lost = [...accepted].filter((fp) => !all.has(fp));
    expect(lost).toEqual([]);
    expect(stored.filter((a) => a.incident === null)).toEqual([]);

    // Incidents are consistent with their alerts: one open incident per group.
    const inc = await fetch(`${server.url}/api/v1/incidents?limit=1000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const incidents = ((await inc.json()) as { incidents: Array<{ title: string; status: string }> })
      .incidents;
    const groups = new Set(stored.map((a) => `${a.labels['alertname']} on ${a.labels['service']}`));
    expect(
      incidents
        .filter((i) => i.status === 'triggered')
        .map((i) => i.title)
        .sort(),
    ).toEqual([...groups].sort());

    // Group timers that were pending at the kill fire after the restart: every acknowledged alert is notified.
    await waitFor(
      'every acknowledged alert in a notification',
      async () => ([...acceptedInstances].every((i) => receiver.instances.has(i)) ? true : undefined),
      60_000,
      200,
    );
    const dups = receiver.duplicates();
    console.info(
      `crash test: ${accepted.size} alerts acknowledged (kill at ${killedAt}, ${journaled} of them journaled and not yet applied), ${lost.length} lost; ${deliveredBeforeKill} notifications before the kill, ${receiver.ids.length} in all, ${dups} sent twice (in flight at the kill)`,
    );
    // At most the deliveries in flight at the kill can repeat: the runner sends at most
    // SEND_CONCURRENCY at once.
    expect(dups).toBeLessThanOrEqual(SEND_CONCURRENCY);
  }, 120_000);
});
