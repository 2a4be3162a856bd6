import type { DeliveryOutcome, FetchLike, FetchResponse } from './types.ts';

/** One HTTP request an adapter wants sent. The body is sent byte-for-byte (signatures cover it). */
export interface HttpRequest {
  method: 'POST' | 'GET';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the shared sender hands a channel's classifier. */
export interface HttpResponse {
  status: number;
  headers: FetchResponse['headers'];
  body: string;
}

/** Everything an adapter needs at send time; passed by the outbox pass. */
export interface SendContext {
  fetch: FetchLike;
  /** Per-request timeout in ms (the client's own, or an AbortSignal). */
  timeoutMs: number;
  /** Epoch ms of this attempt (from the injected Clock). */
  now: number;
  /** Idempotency key of the notification (stable across retries). */
  key: string;
  /** External reference saved by an earlier delivery for the same incident (Slack ts, …). */
  ref?: string | undefined;
}

const MAX_BODY = 2000;

/**
 * Sends one request with a timeout and never throws: a timeout or connection error becomes a
 * retryable outcome, a response is handed to `classify`. Redirects are not followed (a 3xx is a
 * misconfiguration, classified by the channel like any other non-2xx).
 */
export async function sendHttp(
  req: HttpRequest,
  ctx: SendContext,
  classify: (res: HttpResponse) => DeliveryOutcome,
  redact: (text: string) => string,
): Promise<DeliveryOutcome> {
  let res: FetchResponse;
  try {
    const init = {
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' ? null : req.body,
      redirect: 'manual' as const,
    };
    res = await ctx.fetch(
      req.url,
      ctx.fetch.ownTimeouts
        ? { ...init, timeoutMs: ctx.timeoutMs }
        : { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) },
    );
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const what =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `timeout after ${ctx.timeoutMs} ms`
        : `connection error: ${e.cause?.code ?? e.message}`;
    return { kind: 'retryable', error: redact(what) };
  }
  let body = '';
  try {
    body = await res.text();
  } catch {
    body = '';
  }
  const out = classify({ status: res.status, headers: res.headers, body });
  if (out.kind === 'delivered') return out;
  return { ...out, error: redact(out.error).slice(0, MAX_BODY) };
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP-date) into milliseconds from `now`.
 * Returns undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The default classification most HTTP APIs need: 2xx delivered, 429 retry (honouring
 * Retry-After), 408/5xx retry, any other status permanent with the response body.
 */
export function classifyStatus(res: HttpResponse, now: number, okRef?: string): DeliveryOutcome {
  if (res.status >= 200 && res.status < 300) {
    return okRef === undefined
      ? { kind: 'delivered', status: res.status }
      : { kind: 'delivered', status: res.status, ref: okRef };
  }
  const error = `HTTP ${res.status}: ${res.body.slice(0, MAX_BODY)}`;
  if (res.status === 429 || res.status === 408 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
    return retryAfterMs === undefined
      ? { kind: 'retryable', status: res.status, error }
      : { kind: 'retryable', status: res.status, retryAfterMs, error };
  }
  return { kind: 'permanent', status: res.status, error };
}
