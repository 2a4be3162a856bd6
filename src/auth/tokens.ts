import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/db.ts';
import { VigilError } from '../shared/errors.ts';

/** Roles, weakest first: viewers read, responders also act on incidents, admins also manage. */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is making a request. */
export interface Principal {
  kind: 'token' | 'env' | 'integration';
  name: string;
  role: Role;
}

/** True when `have` grants at least `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** SHA-256 of a token, hex: what the store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares two secrets in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Creates an API token and stores only its hash. The token itself is returned once, to be shown
 * to the user; it cannot be recovered later.
 */
export async function createToken(
  db: Db,
  name: string,
  role: Role,
  now: number,
): Promise<{ id: number; token: string }> {
  if (!ROLES.includes(role))
    throw new VigilError('validation_failed', `role must be one of ${ROLES.join(', ')}`);
  const token = `vgl_${randomBytes(24).toString('base64url')}`;
  const row = await db
    .insertInto('api_tokens')
    .values({ name, role, hash: hashToken(token), created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

/** Revokes a token by id; returns false when there was no such live token. */
export async function revokeToken(db: Db, id: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Lists tokens (never their secrets). */
export async function listTokens(
  db: Db,
): Promise<Array<{ id: number; name: string; role: string; createdAt: number; revokedAt: number | null }>> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'created_at', 'revoked_at'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/** Finds the live token with this secret. */
export async function findToken(db: Db, token: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['name', 'role'])
    .where('hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row && (ROLES as readonly string[]).includes(row.role)
    ? { kind: 'token', name: row.name, role: row.role as Role }
    : undefined;
}
