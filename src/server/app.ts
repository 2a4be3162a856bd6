import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import { sql } from 'kysely';
import { VigilError } from '../shared/errors.ts';
import { authenticate } from './auth.ts';
import type { AppContext } from './context.ts';
import { buildOpenApi } from './openapi.ts';
import { registerRoutes, type AnyRoute } from './route.ts';
import { adminRoutes } from './routes/admin.ts';
import { alertmanagerReadRoutes } from './routes/alertmanager-read.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { closeBodyReader } from './ingest-entry.ts';
import { ingestServiceOf } from './ingest-service.ts';
import { ingestRoutes, isIngestRequest, noteArrival } from './routes/ingest.ts';

/** Extra routes other domains contribute (on-call, notifications, silences…). */
export type RouteFactory = (ctx: AppContext) => AnyRoute[];

/** Maps Fastify's own errors (bad JSON, body too large, wrong content type) to vigil's codes. */
function fromFastify(err: FastifyError): VigilError | undefined {
  const status = err.statusCode ?? 500;
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new VigilError(
      'payload_too_large',
      `the body is larger than the ${err.message.match(/\d+/)?.[0] ?? ''} byte limit`.replace(
        'the  byte',
        'the',
      ),
    );
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new VigilError('unsupported_media_type', 'send the body as application/json');
  if (status >= 400 && status < 500)
    return new VigilError(status === 404 ? 'not_found' : 'bad_request', err.message);
  return undefined;
}

/**
 * Builds the HTTP application: Alertmanager API v2, ingestion endpoints, vigil's REST API with
 * its OpenAPI document, health and metrics. Every error becomes a JSON body with a stable `code`;
 * bad input gets a 4xx naming the field and never a 5xx or a stack trace.
 */
export async function buildApp(
  ctx: AppContext,
  extra: readonly RouteFactory[] = [],
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.loaded.config.server.body_limit,
    return503OnClosing: true,
    // On close: in-flight requests finish, idle keep-alive connections are closed at once.
    forceCloseConnections: 'idle',
  });

  app.addHook('onClose', () => closeBodyReader(ctx));

  // Accept JSON whatever the content type says (senders are often sloppy), with a clear error.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An ingestion body stays text: its route reads it, on the reader thread when it is large.
    if (isIngestRequest(req.method, req.routeOptions.url)) return done(null, text);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (err) {
      done(new VigilError('bad_request', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError | VigilError | Error, req, reply) => {
    const v = err instanceof VigilError ? err : fromFastify(err as FastifyError);
    if (v) {
      // Overload is temporary: tell senders (Prometheus retries) when to come back.
      if (v.code === 'overloaded') void reply.header('retry-after', '1');
      void reply
        .code(v.status)
        .send({ code: v.code, message: v.message, ...(v.issues.length ? { errors: v.issues } : {}) });
      return;
    }
    req.log.error({ err, url: req.url }, 'request failed');
    void reply.code(500).send({ code: 'internal', message: 'internal error; the server log has details' });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .code(404)
      .send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0] ?? ''}` });
  });

  // Under overload an ingestion request is refused before its body is read or parsed: when a flood
  // of senders retries, refusing has to cost far less than accepting, or the refusals themselves
  // starve the work that would make room.
  // While a new group's first page is on its way, new ingestion requests wait for it (at most
  // `page_first_hold`; ADR 0015): their senders keep the alerts, and the cores go to the page.
  app.addHook('onRequest', async (req, reply) => {
    if (!isIngestRequest(req.method, req.routeOptions.url)) return;
    noteArrival(req, ctx.clock.now());
    const held = ctx.intake?.wait();
    if (held) await held;
    if (!ingestServiceOf(ctx).full) return;
    await reply
      .code(503)
      .header('retry-after', '1')
      .send({ code: 'overloaded', message: 'vigil is busy storing earlier alerts; retry shortly' });
  });

  // API reads and changes see every alert already acknowledged: under load alerts are answered
  // once journaled and applied moments later, so wait for that (a no-op when nothing is pending).
  app.addHook('preHandler', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    if (req.method === 'POST' && req.routeOptions.url === '/api/v2/alerts') return;
    await ingestServiceOf(ctx).settled();
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    ctx.metrics.httpDuration.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const routes: AnyRoute[] = [
    ...ingestRoutes(ctx),
    ...alertmanagerReadRoutes(ctx),
    ...incidentRoutes(ctx),
    ...adminRoutes(ctx),
    ...extra.flatMap((f) => f(ctx)),
  ];
  registerRoutes(app, routes, (req, access) => authenticate(ctx, req, access));

  const openapi = buildOpenApi(
    routes.filter((r) => r.url.startsWith('/api/v1/')),
    ctx.version,
  );
  app.get('/api/v1/openapi.json', async () => openapi);
  app.get('/-/healthy', async () => 'OK');
  app.get('/-/ready', async (_req, reply) => {
    try {
      await sql`select 1`.execute(ctx.store.db);
      return 'OK';
    } catch {
      return reply.code(503).send({ code: 'overloaded', message: 'the store is not reachable' });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
  return app;
}
