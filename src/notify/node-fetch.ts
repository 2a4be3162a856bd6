import http from 'node:http';
import https from 'node:https';
import type { FetchLike, FetchResponse } from './types.ts';

/** Statuses whose response carries no body: read as empty, as fetch reads them. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * The outbox's default HTTP client: `fetch`'s contract over `node:http` with keep-alive agents.
 * Profiling the delivery of group notifications showed undici's `fetch` (web streams, per-request
 * abort plumbing) at about half of the CPU per message; this client does the same request for a
 * fraction. It answers with what deliveries read (`FetchResponse`), not a WHATWG `Response`, whose
 * construction and body stream were a few percent of the event loop at 500 messages a second.
 * Only what channel adapters use is supported: string bodies, header objects, no redirects
 * followed, an AbortSignal for the timeout.
 */
export const nodeFetch: FetchLike = (input, init) =>
  new Promise<FetchResponse>((resolve, reject) => {
    const url = new URL(input);
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const request = url.protocol === 'https:' ? https.request : http.request;
    const body = typeof init.body === 'string' ? init.body : undefined;
    const headers = requestHeaders(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(
      url,
      { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = NULL_BODY.has(status) ? '' : Buffer.concat(chunks).toString('utf8');
          const got = res.headers;
          resolve({
            status,
            headers: {
              // Node gives header names in lower case, repeated ones as an array (fetch joins them).
              get: (name) => {
                const v = got[name.toLowerCase()];
                return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
              },
            },
            text: () => Promise.resolve(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });

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
