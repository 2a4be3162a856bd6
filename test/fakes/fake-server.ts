import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake service saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What a fake answers. */
export interface FakeReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A failure a test asks for: a given status (e.g. 429 with Retry-After, 500), or a hang. */
export type FailMode = { kind: 'reply'; reply: FakeReply } | { kind: 'hang' };

/**
 * Base of every fake service: a real node:http server on 127.0.0.1 with a random port that
 * records requests, validates them like the real service (in `handle`), and can be told to fail
 * (`failNext` for one-shot failures, `failAlways` until cleared) or to hang.
 */
export abstract class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private readonly queue: FailMode[] = [];
  private always: FailMode | undefined;
  private waiters: { n: number; resolve: () => void }[] = [];
  url = '';

  /** Validates a request as the real service would and answers it. */
  protected abstract handle(req: RecordedRequest): FakeReply;

  /** Starts listening on 127.0.0.1:0. */
  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const rec: RecordedRequest = {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(rec);
        for (const w of this.waiters.filter((x) => this.requests.length >= x.n)) w.resolve();
        this.waiters = this.waiters.filter((x) => this.requests.length < x.n);
        const mode = this.queue.shift() ?? this.always;
        if (mode?.kind === 'hang') return; // never answer; closed on stop()
        const reply = mode?.kind === 'reply' ? mode.reply : this.handle(rec);
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  /** Queues one-shot failures for the next requests. */
  failNext(...modes: FailMode[]): void {
    this.queue.push(...modes);
  }

  /** Fails every request with `mode` until called with undefined. */
  failAlways(mode: FailMode | undefined): void {
    this.always = mode;
  }

  /** Resolves once `n` requests have arrived (rejects after a bounded real wait). */
  waitForRequests(n: number, timeoutMs = 5000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.requests.length}/${n} requests`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  /** Stops the server, dropping hung connections. */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** Helpers for fakes: JSON replies and body parsing. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeReply {
  return { status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } };
}

/** Parses a JSON body, or returns undefined. */
export function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A reply mode: status with optional headers/body. */
export function reply(status: number, headers: Record<string, string> = {}, body = ''): FailMode {
  return { kind: 'reply', reply: { status, headers, body } };
}

/** The hang mode. */
export const HANG: FailMode = { kind: 'hang' };
