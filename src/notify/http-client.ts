import { Agent, errors, request } from 'undici';
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
 * The outbox's default HTTP client: `fetch`'s contract over undici's `request`
 * (docs/adr/0013-undici-http-client.md). On loopback, `node:http` with a per-request
 * `AbortSignal.timeout` cost about 145 µs of CPU per request and undici's `request` about 38 µs;
 * at hundreds of group notifications a second that was the largest share of the event loop.
 * It answers with what deliveries read (`FetchResponse`), not a WHATWG `Response`. Only what
 * channel adapters use is supported: string bodies, header objects, no redirects followed.
 * `timeoutMs` bounds the wait for the response headers and each gap in the body (undici's own
 * timers, with no per-request timer or signal); an AbortSignal is honoured too.
 */
export const httpClient: FetchLike = Object.assign(
  async (input: string, init: FetchInit): Promise<FetchResponse> => {
    const body = typeof init.body === 'string' ? init.body : undefined;
    try {
      const res = await request(input, {
        dispatcher: agent,
        method: (init.method ?? 'GET') as 'GET' | 'POST',
        headers: requestHeaders(init.headers),
        ...(body !== undefined ? { body } : {}),
        ...(init.timeoutMs !== undefined
          ? { headersTimeout: init.timeoutMs, bodyTimeout: init.timeoutMs }
          : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      // Always read to the end, so the connection goes back to the pool.
      const read = await res.body.text();
      const text = NULL_BODY.has(res.statusCode) ? '' : read;
      const got = res.headers;
      return {
        status: res.statusCode,
        headers: {
          // Header names come in lower case, repeated ones as an array (fetch joins them).
          get: (name) => {
            const v = got[name.toLowerCase()];
            return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
          },
        },
        text: () => Promise.resolve(text),
      };
    } catch (err) {
      throw asFetchError(err);
    }
  },
  { ownTimeouts: true as const },
);

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
