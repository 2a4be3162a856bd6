import { Worker } from 'node:worker_threads';

/**
 * The receiver's thread, as plain JavaScript (no loader needed): an HTTP server on loopback that
 * answers every POST with 200 at once and reports, per call, the `instance` labels it has not seen
 * before with the absolute time (ms since the epoch, sub-millisecond) the body was complete.
 */
const RECEIVER_THREAD = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const seen = new Set();
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    res.writeHead(200).end('ok');
    const fresh = [];
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const a of body.alerts ?? []) {
        const k = a && a.labels ? a.labels.instance : undefined;
        if (typeof k === 'string' && !seen.has(k)) {
          seen.add(k);
          fresh.push(k);
        }
      }
    } catch {
      // a body that is not JSON counts as a call but carries no alerts
    }
    parentPort.postMessage({ type: 'call', at, fresh });
  });
});
parentPort.on('message', (m) => {
  if (m === 'reset') {
    seen.clear();
    parentPort.postMessage({ type: 'reset' });
  } else if (m === 'stop') {
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ type: 'stopped' }));
  }
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'port', port: server.address().port }));
`;

type ReceiverMessage =
  | { type: 'port'; port: number }
  | { type: 'call'; at: number; fresh: string[] }
  | { type: 'reset' }
  | { type: 'stopped' };

/**
 * A webhook receiver on loopback that records when each alert (by its `instance` label) first
 * appears in an Alertmanager webhook v4 body, for accept → first-notification latency.
 *
 * It runs in a thread of its own, so that neither its timestamps nor its answers wait behind the
 * load generator's work on the benchmark's main thread (a real receiver is not busy sending the
 * load). Times are absolute (`performance.timeOrigin + performance.now()`), comparable across threads.
 */
export class FirstSeenReceiver {
  /** Absolute time (ms since the epoch) each `instance` was first carried by a webhook. */
  readonly firstSeen = new Map<string, number>();
  calls = 0;
  port = 0;
  private worker: Worker | undefined;
  private waiters: Array<{ type: ReceiverMessage['type']; resolve: () => void }> = [];

  /** Starts the receiver's thread and waits until it listens (its port is then in `port`). */
  async start(): Promise<this> {
    const worker = new Worker(RECEIVER_THREAD, { eval: true });
    this.worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      this.waiters.push({ type: 'port', resolve });
    });
    worker.on('message', (m: ReceiverMessage) => {
      if (m.type === 'call') {
        this.calls++;
        for (const k of m.fresh) if (!this.firstSeen.has(k)) this.firstSeen.set(k, m.at);
      } else if (m.type === 'port') {
        this.port = m.port;
      }
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve();
    });
    await ready;
    return this;
  }

  /** Forgets every alert seen and the call count (the receiver's thread too). */
  async reset(): Promise<void> {
    const done = new Promise<void>((resolve) => this.waiters.push({ type: 'reset', resolve }));
    this.worker?.postMessage('reset');
    await done;
    this.firstSeen.clear();
    this.calls = 0;
  }

  /** Closes the receiver's connections and server, and ends its thread. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const done = new Promise<void>((resolve) => this.waiters.push({ type: 'stopped', resolve }));
    w.postMessage('stop');
    await done;
    await w.terminate();
    this.worker = undefined;
  }
}
