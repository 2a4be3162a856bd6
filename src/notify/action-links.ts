import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a one-click link lets its holder do. */
export type LinkAction = 'acknowledge' | 'resolve';

/** The claims a signed link carries. */
export interface ActionClaims {
  action: LinkAction;
  incident: string;
  /** Who the link was sent to (recorded as the actor). */
  user: string;
  /** Epoch ms after which the link is refused. */
  expiresAt: number;
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * Signs a one-click acknowledge/resolve link: `<baseUrl>/api/v1/actions/<token>` where the token is
 * `base64url(claims).base64url(HMAC-SHA256)`. Expiry is part of the signed claims, so a link
 * cannot be extended; the secret and time are parameters (no wall clock here).
 */
export function signActionLink(
  baseUrl: string,
  claims: Omit<ActionClaims, 'expiresAt'>,
  secret: string,
  now: number,
  ttlMs = 24 * 3_600_000,
): string {
  const body = Buffer.from(JSON.stringify({ ...claims, expiresAt: now + ttlMs })).toString('base64url');
  return `${baseUrl.replace(/\/$/, '')}/api/v1/actions/${body}.${mac(secret, body)}`;
}

/**
 * Verifies a token (or full link) from {@link signActionLink}: constant-time signature check,
 * then expiry against `now`. Returns the claims, or why it was refused.
 */
export function verifyActionLink(
  tokenOrUrl: string,
  secret: string,
  now: number,
): { ok: true; claims: ActionClaims } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' } {
  const token = tokenOrUrl.slice(tokenOrUrl.lastIndexOf('/') + 1);
  const [body, sig] = token.split('.');
  if (!body || !sig) return { ok: false, reason: 'malformed' };
  const want = Buffer.from(mac(secret, body));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got))
    return { ok: false, reason: 'bad_signature' };
  let claims: ActionClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ActionClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof claims.expiresAt !== 'number' || now >= claims.expiresAt)
    return { ok: false, reason: 'expired' };
  if (claims.action !== 'acknowledge' && claims.action !== 'resolve')
    return { ok: false, reason: 'malformed' };
  return { ok: true, claims };
}
