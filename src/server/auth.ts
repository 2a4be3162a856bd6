import type { FastifyRequest } from 'fastify';
import { findToken, roleAllows, safeEqual, type Principal } from '../auth/tokens.ts';
import { VigilError } from '../shared/errors.ts';
import type { AppContext } from './context.ts';
import type { Access } from './route.ts';

/** Reads the bearer credential of a request (Authorization header). */
export function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/** Finds the integration whose key was presented (path segment, header or bearer). */
export function integrationFor(
  ctx: AppContext,
  req: FastifyRequest,
  format: 'alertmanager' | 'generic',
): Principal | undefined {
  const params = req.params as Record<string, string | undefined>;
  const header = req.headers['x-vigil-integration-key'];
  const presented = params['key'] ?? (typeof header === 'string' ? header : undefined) ?? bearer(req);
  if (!presented) return undefined;
  const hit = ctx.loaded.integrations.find((i) => safeEqual(i.key, presented));
  if (!hit) return undefined;
  if (hit.format !== 'any' && hit.format !== format) {
    throw new VigilError('forbidden', `integration "${hit.name}" may only post ${hit.format} payloads`);
  }
  return { kind: 'integration', name: hit.name, role: 'viewer' };
}

/**
 * Authenticates a request for a route's access level: API tokens (hashed in the store), the
 * VIGIL_API_TOKEN admin token, or an integration key. Missing or wrong credentials give 401; a
 * known principal without the role gives 403.
 */
export async function authenticate(
  ctx: AppContext,
  req: FastifyRequest,
  access: Access,
): Promise<Principal | undefined> {
  if (access === 'public') return undefined;
  const token = bearer(req);
  let principal: Principal | undefined;
  if (token && ctx.envToken && safeEqual(token, ctx.envToken))
    principal = { kind: 'env', name: 'env-admin', role: 'admin' };
  else if (token && token.startsWith('vgl_')) principal = await findToken(ctx.store.db, token);
  if (access === 'integration') {
    if (principal && roleAllows(principal.role, 'responder')) return principal;
    const format = req.url.includes('/integrations/generic') ? 'generic' : 'alertmanager';
    const integ = integrationFor(ctx, req, format);
    if (integ) return integ;
    throw new VigilError('unauthorized', 'a valid integration key (or a responder token) is required');
  }
  if (!principal) {
    throw new VigilError(
      'unauthorized',
      token ? 'the token is not valid' : 'authentication required: send Authorization: Bearer <token>',
    );
  }
  if (!roleAllows(principal.role, access)) {
    throw new VigilError(
      'forbidden',
      `this needs the ${access} role; token "${principal.name}" has ${principal.role}`,
    );
  }
  return principal;
}
