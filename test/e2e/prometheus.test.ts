import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnVigil, tempDir, waitFor, type VigilProcess } from '../helpers/process.ts';
import { startPrometheus } from '../helpers/prometheus.ts';
import { toolsAvailable } from '../helpers/tools.ts';

const run = promisify(execFile);
const KEY = 'e2e-prometheus-integration-key';
const TOKEN = 'e2e-admin-token-0123456789';
const enabled = toolsAvailable('Prometheus/amtool end-to-end test', ['prometheus', 'amtool']);

describe.skipIf(!enabled)('Prometheus → vigil as its Alertmanager → incident; amtool queries vigil', () => {
  let dir: string;
  let vigil: VigilProcess;
  let prom: ChildProcess;

  beforeAll(async () => {
    dir = tempDir('vigil-e2e-prom-');
    fs.writeFileSync(
      path.join(dir, 'vigil.yaml'),
      `integrations:\n  - name: prometheus\n    key: ${KEY}\n    format: alertmanager\n`,
    );
    vigil = await spawnVigil({
      configFile: path.join(dir, 'vigil.yaml'),
      dataDir: path.join(dir, 'data'),
      env: { VIGIL_API_TOKEN: TOKEN },
    });
    prom = (
      await startPrometheus({
        dir,
        vigilPort: vigil.port,
        key: KEY,
        rules: [
          '      - alert: ModelAccuracyLow',
          '        expr: vector(0.81) < 0.85',
          '        labels: { severity: critical, service: fraud-detector }',
          '        annotations: { summary: "accuracy {{ $value }} below 0.85" }',
        ],
      })
    ).child;
  }, 60_000);

  afterAll(async () => {
    prom?.kill('SIGTERM');
    await vigil?.kill('SIGTERM');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens an incident for the alert Prometheus sends, and amtool lists it', async () => {
    const incident = await waitFor(
      'an incident from Prometheus',
      async () => {
        const r = await fetch(`${vigil.url}/api/v1/incidents`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        const body = (await r.json()) as {
          incidents: Array<{ id: string; title: string; severity: string; service: string }>;
        };
        return body.incidents[0];
      },
      45_000,
      250,
    );
    expect(incident).toMatchObject({
      id: 'INC-1',
      title: 'ModelAccuracyLow on fraud-detector',
      severity: 'critical',
      service: 'fraud-detector',
    });

    fs.writeFileSync(path.join(dir, 'amtool-http.yml'), `authorization:\n  credentials: ${TOKEN}\n`);
    const { stdout } = await run('amtool', [
      'alert',
      'query',
      `--alertmanager.url=${vigil.url}`,
      `--http.config.file=${path.join(dir, 'amtool-http.yml')}`,
      '-o',
      'json',
    ]);
    const alerts = JSON.parse(stdout) as Array<{
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }>;
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.labels).toMatchObject({
      alertname: 'ModelAccuracyLow',
      service: 'fraud-detector',
      severity: 'critical',
    });
    expect(alerts[0]?.annotations['summary']).toBe('accuracy 0.81 below 0.85');

    const filtered = await run('amtool', [
      'alert',
      'query',
      'alertname=Nope',
      `--alertmanager.url=${vigil.url}`,
      `--http.config.file=${path.join(dir, 'amtool-http.yml')}`,
      '-o',
      'json',
    ]);
    expect(JSON.parse(filtered.stdout)).toEqual([]);
  }, 60_000);
});
