import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal, Role } from '../auth/tokens.ts';
import { VigilError, type FieldIssue } from '../shared/errors.ts';

/** Who may call a route: a minimum role, an integration key, or anyone. */
export type Access = Role | 'integration' | 'public';

/** One HTTP route, declared with the zod schemas that both validate requests and document them. */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The success response, for the OpenAPI document. */
  response?: z.ZodType;
  /** The success status (default 200). */
  status?: number;
  /** Leave the body unparsed by schema (adapters that report per-item errors themselves). */
  rawBody?: boolean;
  handler(ctx: {
    params: z.output<P>;
    query: z.output<Q>;
    body: z.output<B>;
    principal: Principal | undefined;
    req: FastifyRequest;
    reply: FastifyReply;
  }): Promise<unknown>;
}

/** A route with its schemas erased, as kept in the registry. */
export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** Declares a route (identity function that keeps the schemas' types for the handler). */
export function defineRoute<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** Turns zod issues into field issues under `where` (params, query or body). */
function toIssues(where: string, error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    field: [where, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .join('.')
      .replace(/\.\[/g, '['),
    message: i.message,
  }));
}

function parsePart<S extends z.ZodType>(
  schema: S | undefined,
  value: unknown,
  where: string,
  issues: FieldIssue[],
): z.output<S> {
  if (!schema) return value as z.output<S>;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data;
  issues.push(...toIssues(where, r.error));
  return undefined as z.output<S>;
}

/**
 * Registers routes on Fastify: authenticates by the route's access level, validates params,
 * query and body with its zod schemas (all problems reported at once as a 400 naming each field),
 * then calls the handler.
 */
export function registerRoutes(
  app: FastifyInstance,
  routes: readonly AnyRoute[],
  authenticate: (req: FastifyRequest, access: Access) => Promise<Principal | undefined>,
): void {
  for (const r of routes) {
    app.route({
      method: r.method,
      url: r.url,
      config: { routeName: r.url },
      handler: async (req, reply) => {
        const principal = await authenticate(req, r.access);
        const issues: FieldIssue[] = [];
        const params = parsePart(r.params, req.params, 'params', issues);
        const query = parsePart(r.query, req.query, 'query', issues);
        const body = r.rawBody ? (req.body as unknown) : parsePart(r.body, req.body, 'body', issues);
        if (issues.length > 0) throw new VigilError('validation_failed', 'the request is not valid', issues);
        const result = await r.handler({ params, query, body, principal, req, reply });
        if (reply.sent) return reply;
        // A handler may choose its own status (e.g. 400 for a partial batch); otherwise the route's.
        if (reply.statusCode === 200 && r.status) reply.code(r.status);
        return result ?? null;
      },
    });
  }
}
