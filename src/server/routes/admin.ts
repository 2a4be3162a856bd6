import { z } from 'zod';
import { createToken, listTokens, revokeToken, ROLES } from '../../auth/tokens.ts';
import { alertHistory, listAlerts } from '../../alerts/alert-store.ts';
import { VigilError } from '../../shared/errors.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../route.ts';
import { alertView, alertViewSchema } from './views.ts';

/** Token management (admin) and alert listing/history (viewer) under /api/v1. */
export function adminRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/v1/tokens',
      summary: 'Create an API token (shown once)',
      tag: 'auth',
      access: 'admin',
      status: 201,
      body: z.object({ name: z.string().min(1).max(200), role: z.enum(ROLES) }),
      response: z.object({ id: z.number(), name: z.string(), role: z.enum(ROLES), token: z.string() }),
      handler: async ({ body }) => ({
        ...(await createToken(ctx.store.db, body.name, body.role, ctx.clock.now())),
        name: body.name,
        role: body.role,
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/tokens',
      summary: 'List API tokens (never their secrets)',
      tag: 'auth',
      access: 'admin',
      handler: async () => ({ tokens: await listTokens(ctx.store.db) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/tokens/:id',
      summary: 'Revoke an API token',
      tag: 'auth',
      access: 'admin',
      params: z.object({ id: z.coerce.number().int() }),
      handler: async ({ params }) => {
        if (!(await revokeToken(ctx.store.db, params.id, ctx.clock.now())))
          throw new VigilError('not_found', `no live token with id ${params.id}`);
        return { revoked: params.id };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/alerts',
      summary: 'List alerts (firing by default; all with state=all)',
      tag: 'alerts',
      access: 'viewer',
      query: z.object({
        state: z.enum(['firing', 'all']).default('firing'),
        limit: z.coerce.number().int().min(1).max(100_000).default(500),
      }),
      response: z.object({ alerts: z.array(alertViewSchema) }),
      handler: async ({ query }) => {
        const now = ctx.clock.now();
        const alerts = await listAlerts(ctx.store.db, {
          ...(query.state === 'firing' ? { firingAt: now } : {}),
          limit: query.limit,
        });
        return { alerts: alerts.map((a) => alertView(a, now)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/alerts/:fingerprint/history',
      summary:
        'The versions of one alert that changed something (new, status, startsAt, annotations); re-sends that only move endsAt are not kept',
      tag: 'alerts',
      access: 'viewer',
      params: z.object({ fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 hex digits') }),
      handler: async ({ params }) => ({
        fingerprint: params.fingerprint,
        history: (await alertHistory(ctx.store.db, params.fingerprint)).map((h) => ({
          receivedAt: new Date(h.receivedAt).toISOString(),
          status: h.status,
          startsAt: new Date(h.startsAt).toISOString(),
          endsAt: new Date(h.endsAt).toISOString(),
        })),
      }),
    }),
  ];
}
