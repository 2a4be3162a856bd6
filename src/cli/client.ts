import { VigilError } from '../shared/errors.ts';

/** Where a CLI command finds the server and how it authenticates. */
export interface ServerTarget {
  url: string;
  token?: string | undefined;
}

/** Reads --url (default VIGIL_URL or http://127.0.0.1:9093) and the token from VIGIL_API_TOKEN. */
export function targetFrom(opts: { url?: string | undefined }): ServerTarget {
  return {
    url: (opts.url ?? process.env['VIGIL_URL'] ?? 'http://127.0.0.1:9093').replace(/\/+$/, ''),
    token: process.env['VIGIL_API_TOKEN'] || undefined,
  };
}

/**
 * Calls vigil's API and returns the parsed JSON body. A non-2xx answer becomes a VigilError that
 * carries the server's code, message and field errors, so the CLI can print them as they are.
 */
export async function api(
  target: ServerTarget,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new VigilError(
      'bad_request',
      `cannot reach vigil at ${target.url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`,
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    // not JSON: keep the text
  }
  if (!res.ok) {
    const e = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      code?: string;
      message?: string;
      errors?: Array<{ field: string; message: string }>;
    };
    const code =
      res.status === 401
        ? 'unauthorized'
        : res.status === 403
          ? 'forbidden'
          : res.status === 404
            ? 'not_found'
            : res.status === 409
              ? 'conflict'
              : 'bad_request';
    const hint = res.status === 401 && !target.token ? ' (set VIGIL_API_TOKEN)' : '';
    throw new VigilError(code, `${res.status} ${e.message ?? text}${hint}`, e.errors ?? []);
  }
  return parsed;
}
