import type { IncomingHttpHeaders } from 'node:http';
import { Agent, errors, type Dispatcher } from 'undici';
import type { FetchInit, FetchLike, FetchResponse } from './types.ts';

/** Statuses whose response carries no body: read as empty, as fetch reads them. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** Connections kept per origin (one in flight per destination, 64 destinations at once). */
const CONNECTIONS_PER_ORIGIN = 64;
/** How long establishing a connection may take. */
const CONNECT_TIMEOUT_MS = 10_000;

const agent = new Agent({
  connections: CONNECTIONS_PER_ORIGIN,
  connect: { timeout: CONNECT_TIMEOUT_MS },
});

/**
 * Most response body bytes kept: deliveries read a body only for an error message or a provider's
 * answer (a few hundred bytes), so a huge or endless answer costs no more memory than this. The
 * rest is still read to the end, so the connection goes back to the pool.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The outbox's default HTTP client: `fetch`'s contract over undici's lowest-level API, a dispatch
 * with a handler (docs/adr/0013-undici-http-client.md). On loopback, `node:http` with a
 * per-request `AbortSignal.timeout` cost about 145 µs of CPU per request and undici's `request`
 * about 38 µs; a profile of 500 first notifications at once then showed `request`'s URL parsing,
 * promise and body stream at about 60 % of each send's main-thread time, which a handler that
 * collects the answer into a buffer does not have. It answers with what deliveries read
 * (`FetchResponse`), not a WHATWG `Response`. Only what channel adapters use is supported: string
 * bodies, header objects, no redirects followed. `timeoutMs` bounds the wait for the response
 * headers and each gap in the body (undici's own timers, with no per-request timer or signal); an
 * AbortSignal is honoured too. At most `MAX_RESPONSE_BYTES` of a body are kept.
 */
export const httpClient: FetchLike = Object.assign(
  (input: string, init: FetchInit): Promise<FetchResponse> =>
    new Promise<FetchResponse>((resolve, reject) => {
      let target: Target;
      try {
        target = targetOf(input);
      } catch (err) {
        reject(asFetchError(err));
        return;
      }
      const body = typeof init.body === 'string' ? init.body : null;
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: (init.method ?? 'GET') as 'GET' | 'POST',
          headers: requestHeaders(init.headers),
          body,
          ...(init.timeoutMs !== undefined
            ? { headersTimeout: init.timeoutMs, bodyTimeout: init.timeoutMs }
            : {}),
        },
        new Collect(resolve, reject, init.signal ?? undefined),
      );
    }),
  { ownTimeouts: true as const },
);

/** Where a URL's requests go: its origin (the connection pool) and its path with the query. */
interface Target {
  origin: string;
  path: string;
}

/** Targets of URLs seen recently: a channel posts to the same few URLs again and again. */
const targets = new Map<string, Target>();
const MAX_TARGETS = 1024;

function targetOf(input: string): Target {
  const known = targets.get(input);
  if (known) return known;
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`unsupported URL scheme ${url.protocol} in ${url.origin}`);
  }
  const t = { origin: url.origin, path: `${url.pathname}${url.search}` };
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(input, t);
  return t;
}

/** Collects one answer (status, headers, up to `MAX_RESPONSE_BYTES` of body) into a `FetchResponse`. */
class Collect implements Dispatcher.DispatchHandler {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private done = false;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly resolve: (r: FetchResponse) => void,
    private readonly reject: (e: Error) => void,
    private readonly signal: AbortSignal | undefined,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const signal = this.signal;
    if (!signal) return;
    const abort = (): void => controller.abort(abortReason(signal));
    if (signal.aborted) abort();
    else {
      signal.addEventListener('abort', abort, { once: true });
      this.unlisten = () => signal.removeEventListener('abort', abort);
    }
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.kept >= MAX_RESPONSE_BYTES) return;
    const part =
      chunk.length <= MAX_RESPONSE_BYTES - this.kept
        ? chunk
        : chunk.subarray(0, MAX_RESPONSE_BYTES - this.kept);
    this.chunks.push(part);
    this.kept += part.length;
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.done = true;
    this.unlisten?.();
    const text = NULL_BODY.has(this.status)
      ? ''
      : this.chunks.length === 1
        ? (this.chunks[0] as Buffer).toString('utf8')
        : Buffer.concat(this.chunks).toString('utf8');
    const got = this.headers;
    this.resolve({
      status: this.status,
      headers: {
        // Header names come in lower case, repeated ones as an array (fetch joins them).
        get: (name) => {
          const v = got[name.toLowerCase()];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
      },
      text: () => Promise.resolve(text),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.unlisten?.();
    this.reject(asFetchError(err));
  }
}

/** What an aborted signal's request fails with: its reason when that is an error, else an AbortError. */
function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('This operation was aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * undici's errors as fetch reports them: a timeout is a `TimeoutError`, an abort an `AbortError`,
 * and a failed connection carries its system code in `cause.code` (what `sendHttp` reports).
 */
function asFetchError(err: unknown): Error {
  if (
    err instanceof errors.HeadersTimeoutError ||
    err instanceof errors.BodyTimeoutError ||
    err instanceof errors.ConnectTimeoutError
  ) {
    const e = new Error(err.message);
    e.name = 'TimeoutError';
    return e;
  }
  if (!(err instanceof Error)) return new Error(String(err));
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return err;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? new Error(err.message, { cause: { code } }) : err;
}

/** Request headers as a plain object with lower-case names (adapters pass plain objects). */
function requestHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers || Array.isArray(init)) {
    new Headers(init).forEach((v, k) => (out[k] = v));
    return out;
  }
  for (const [k, v] of Object.entries(init as Record<string, string>)) out[k.toLowerCase()] = v;
  return out;
}
