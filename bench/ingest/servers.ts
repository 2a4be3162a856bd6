import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A server under test, started as its own process so RSS and CPU can be read from /proc. */
export interface ServerUnderTest {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready: ${log()}`);
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

const KEY = 'bench-integration-key-000000000';

/** The grouping timers both servers run with (Alertmanager duration syntax). */
export interface RouteTimers {
  groupWait: string;
  groupInterval: string;
}

/** The bench's default route timers: group_wait 100 ms, group_interval 1 s. */
export const DEFAULT_TIMERS: RouteTimers = { groupWait: '100ms', groupInterval: '1s' };

/**
 * The inhibit rule `--inhibit` gives both servers, Alertmanager's own example: a critical alert
 * mutes the warnings of its alertname and service. The load's alerts are all critical, so it mutes
 * nothing; it measures what keeping inhibition ready costs under the load.
 */
const INHIBIT_RULE = {
  source: 'severity="critical"',
  target: 'severity="warning"',
  equal: ['alertname', 'service'],
};

/** How vigil is started, beyond the receiver it notifies. */
export interface VigilOptions {
  /** Node.js options (a CPU profile). */
  extraArgs?: string[];
  timers?: RouteTimers;
  /** An empty PostgreSQL database instead of SQLite. */
  databaseUrl?: string | undefined;
  /** `server.ingest_queue.page_first_hold` (the default when absent; ADR 0015). */
  pageFirstHold?: string | undefined;
  /** With the inhibit rule of `INHIBIT_RULE`. */
  inhibit?: boolean;
}

function inhibitRuleYaml(): string[] {
  return [
    'inhibit_rules:',
    `  - source_matchers: ['${INHIBIT_RULE.source}']`,
    `    target_matchers: ['${INHIBIT_RULE.target}']`,
    `    equal: [${INHIBIT_RULE.equal.join(', ')}]`,
  ];
}

/** Starts vigil on a fresh SQLite data dir with a route like the Alertmanager bench config. */
export async function startVigil(receiverPort: number, opts: VigilOptions = {}): Promise<ServerUnderTest> {
  const { extraArgs = [], timers = DEFAULT_TIMERS, databaseUrl, pageFirstHold } = opts;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'vigil.yaml'),
    [
      'integrations:',
      `  - { name: bench, key: ${KEY} }`,
      'channels:',
      `  - { id: hook, type: webhook, url: "http://127.0.0.1:${receiverPort}/hook", format: alertmanager }`,
      'route:',
      '  receiver: hook',
      '  group_by: [alertname, service]',
      `  group_wait: ${timers.groupWait}`,
      `  group_interval: ${timers.groupInterval}`,
      '  repeat_interval: 1h',
      '  channels: [hook]',
      ...(pageFirstHold === undefined
        ? []
        : ['server:', `  ingest_queue: { page_first_hold: ${pageFirstHold} }`]),
      ...(opts.inhibit ? inhibitRuleYaml() : []),
      '',
    ].join('\n'),
  );
  let out = '';
  const child = spawn(
    process.execPath,
    [
      // As bin/vigil's shebang and `npm start` run it.
      '--max-semi-space-size=4',
      ...extraArgs,
      path.join(root, 'bin/vigil'),
      'serve',
      '--config',
      path.join(dir, 'vigil.yaml'),
      ...(databaseUrl ? ['--database', databaseUrl] : ['--data-dir', path.join(dir, 'data')]),
      '--port',
      String(port),
      '--log-format',
      'json',
    ],
    {
      cwd: root,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, () => out);
  return {
    name: 'vigil',
    url,
    pid: child.pid ?? 0,
    headers: { authorization: `Bearer ${KEY}` },
    stop: stopper(child, dir),
  };
}

/** Starts Debian's prometheus-alertmanager with the equivalent route, clustering off. */
export async function startAlertmanager(
  receiverPort: number,
  timers: RouteTimers = DEFAULT_TIMERS,
  inhibit = false,
): Promise<ServerUnderTest> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-bench-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'am.yml'),
    [
      'route:',
      '  receiver: hook',
      "  group_by: ['alertname', 'service']",
      `  group_wait: ${timers.groupWait}`,
      `  group_interval: ${timers.groupInterval}`,
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: http://127.0.0.1:${receiverPort}/hook`,
      '        send_resolved: true',
      ...(inhibit ? inhibitRuleYaml() : []),
      '',
    ].join('\n'),
  );
  let out = '';
  const child = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${path.join(dir, 'am.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, () => out);
  return { name: 'alertmanager', url, pid: child.pid ?? 0, headers: {}, stop: stopper(child, dir) };
}

/** Resident set size of a process in bytes (from /proc). */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** CPU seconds (user + system) a process has used so far (from /proc). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
