import http from 'node:http';
import https from 'node:https';
import type { FetchLike } from './types.ts';

/** Statuses whose response may not carry a body (the Response constructor rejects one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * The outbox's default HTTP client: `fetch`'s contract over `node:http` with keep-alive agents.
 * Profiling the delivery of group notifications showed undici's `fetch` (web streams, per-request
 * abort plumbing) at about half of the CPU per message; this client does the same request for a
 * fraction. Only what channel adapters use is supported: string bodies, plain header objects,
 * no redirects followed, an AbortSignal for the timeout.
 */
export const nodeFetch: FetchLike = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input);
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const request = url.protocol === 'https:' ? https.request : http.request;
    const body = typeof init.body === 'string' ? init.body : undefined;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(
      url,
      { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
          }
          const status = res.statusCode ?? 0;
          try {
            const text = NULL_BODY.has(status) ? null : Buffer.concat(chunks).toString('utf8');
            resolve(new Response(text, { status, headers: h }));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
