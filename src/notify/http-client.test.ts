import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendHttp, classifyStatus } from './http.ts';
import { httpClient, MAX_RESPONSE_BYTES } from './http-client.ts';

describe('httpClient (the outbox HTTP client)', () => {
  const seen: Array<{ method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  let base = '';
  let hold: http.ServerResponse | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (req.url === '/ok') res.writeHead(200, { 'x-thing': 'a', 'x-many': ['1', '2'] }).end('{"ok":true}');
      else if (req.url === '/busy') res.writeHead(429, { 'retry-after': '7' }).end('slow down');
      else if (req.url === '/empty') res.writeHead(204).end();
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      else if (req.url === '/big') res.writeHead(500).end('x'.repeat(200 * 1024));
      else hold = res; // never answered: the caller's timeout must end it
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  });
  afterAll(async () => {
    hold?.end();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends the method, headers and body byte for byte and returns status, headers and body', async () => {
    const body = JSON.stringify({ text: 'GPU memory > 95 % — café' });
    const res = await httpClient(`${base}/ok`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': 'abc' },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-thing')).toBe('a');
    expect(res.headers.get('X-Thing')).toBe('a');
    expect(res.headers.get('x-many')).toBe('1, 2');
    expect(res.headers.get('x-absent')).toBeNull();
    expect(await res.text()).toBe('{"ok":true}');
    const last = seen.at(-1);
    expect(last).toMatchObject({ method: 'POST', body });
    expect(last?.headers['x-signature']).toBe('abc');
    expect(last?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('passes 429 with Retry-After, 204 without a body, and does not follow redirects', async () => {
    const busy = await httpClient(`${base}/busy`, { method: 'POST', headers: {}, body: 'x' });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('7');
    expect(await busy.text()).toBe('slow down');
    const empty = await httpClient(`${base}/empty`, { method: 'POST', headers: {}, body: 'x' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    const redirect = await httpClient(`${base}/redirect`, { method: 'GET', headers: {} });
    expect(redirect.status).toBe(302);
  });

  it('keeps at most MAX_RESPONSE_BYTES of a huge answer, reads the rest, and rejects a URL it cannot send to', async () => {
    const big = await httpClient(`${base}/big`, { method: 'POST', headers: {}, body: 'x' });
    expect(big.status).toBe(500);
    expect(await big.text()).toBe('x'.repeat(MAX_RESPONSE_BYTES));
    // The connection went back to the pool clean: the next answer on it is whole.
    const next = await httpClient(`${base}/ok`, { method: 'POST', headers: {}, body: 'x' });
    expect(await next.text()).toBe('{"ok":true}');
    const ftp = await httpClient('ftp://127.0.0.1/x', { method: 'GET', headers: {} }).catch(
      (e: unknown) => e,
    );
    expect(ftp).toBeInstanceOf(Error);
    expect((ftp as Error).message).toContain('unsupported URL scheme ftp:');
  });

  it('ends a request that outlives its AbortSignal with an AbortError, and rejects a refused connection', async () => {
    const err = await httpClient(`${base}/hang`, {
      method: 'POST',
      headers: {},
      body: 'x',
      signal: AbortSignal.timeout(50),
    }).catch((e: unknown) => e as Error);
    expect((err as Error).name).toMatch(/AbortError|TimeoutError/);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const a = closed.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await httpClient(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {} }).catch(
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
  });

  it('times a request out by its own timeoutMs, and sendHttp reports timeouts and refusals as retryable', async () => {
    expect(httpClient.ownTimeouts).toBe(true);
    const ctx = { fetch: httpClient, timeoutMs: 50, now: 0, key: 'k' };
    const req = { method: 'POST' as const, headers: {}, body: 'x' };
    const keep = (t: string): string => t;
    // The client's own TimeoutError (undici's timers tick coarsely), reported with the timeout.
    const timedOut = await sendHttp({ ...req, url: `${base}/hang` }, ctx, (r) => classifyStatus(r, 0), keep);
    expect(timedOut).toEqual({ kind: 'retryable', error: 'timeout after 50 ms' });
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const a = closed.address();
    const port = typeof a === 'object' && a ? a.port : 0;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await sendHttp(
      { ...req, url: `http://127.0.0.1:${port}/` },
      ctx,
      (r) => classifyStatus(r, 0),
      keep,
    );
    expect(refused).toEqual({ kind: 'retryable', error: 'connection error: ECONNREFUSED' });
    const ok = await sendHttp({ ...req, url: `${base}/ok` }, ctx, (r) => classifyStatus(r, 0), keep);
    expect(ok).toEqual({ kind: 'delivered', status: 200 });
  });
});
