import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory that the caller removes. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Polls `check` until it returns a value (bounded by `timeoutMs`). Used only to wait for a real
 * external process (a server starting, Prometheus evaluating), never as a timer in our logic.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastErr: unknown;
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
}

/** A vigil server running as a child process (so it can be killed like a real one). */
export interface VigilProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** Starts `bin/vigil serve` with a config file and data dir, and waits until it is ready. */
export async function spawnVigil(opts: {
  configFile: string;
  dataDir: string;
  port?: number;
  env?: Record<string, string>;
  args?: string[];
}): Promise<VigilProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      '--max-semi-space-size=4', // as bin/vigil's shebang runs it
      path.join(root, 'bin/vigil'),
      'serve',
      '--config',
      opts.configFile,
      '--data-dir',
      opts.dataDir,
      '--port',
      String(port),
      '--log-format',
      'json',
      ...(opts.args ?? []),
    ],
    {
      cwd: root,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`vigil on ${url} (output: ${out})`, async () => {
    if (child.exitCode !== null) throw new Error(`vigil exited with ${child.exitCode}: ${out}`);
    const r = await fetch(`${url}/-/ready`);
    return r.ok ? true : undefined;
  });
  return {
    url,
    port,
    child,
    output: () => out,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
