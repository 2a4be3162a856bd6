import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createToken } from '../auth/tokens.ts';
import { loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { systemClock, type Clock } from '../engine/clock.ts';
import { Worker } from '../engine/worker.ts';
import { routeGroupFn } from '../pipeline/setup.ts';
import { VigilError, formatIssues } from '../shared/errors.ts';
import { openStore, type Store } from '../store/store.ts';
import { buildApp } from './app.ts';
import type { AppContext } from './context.ts';
import { bodyReaderOf } from './ingest-entry.ts';
import { ingestServiceOf } from './ingest-service.ts';
import { createMetrics } from './metrics.ts';
import { assemble, type Assembly } from './modules.ts';

/** What `vigil serve` was asked for. */
export interface ServeOptions {
  configFile: string;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Demo mode: ensure a dev admin token exists and print it with the integration keys. */
  dev: boolean;
  /** Log format: JSON lines (default) or human-readable. */
  pretty: boolean;
  clock?: Clock;
  logLevel?: string;
}

/** A running vigil: close() drains in-flight requests, stops the worker and closes the store. */
export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  worker: Worker;
  loaded: LoadedConfig;
  url: string;
  close(): Promise<void>;
}

/** The package version, for /api/v2/status and the OpenAPI document. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Creates the process logger: JSON lines, or a readable stream for a terminal. */
export function createLogger(pretty: boolean, level = 'info'): Logger {
  return pretty
    ? pino(
        { level },
        pino.transport({
          target: 'pino-pretty',
          options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
        }),
      )
    : pino({ level });
}

/**
 * Starts vigil: loads and validates the config (all errors at once), opens and migrates the
 * store, starts the job worker and the HTTP server.
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const loadedResult = loadConfigFile(opts.configFile);
  if (!loadedResult.ok)
    throw new VigilError(
      'config_invalid',
      `the config has errors:\n${formatIssues(loadedResult.issues)}`,
      loadedResult.issues,
    );
  const loaded = loadedResult.loaded;
  const logger = createLogger(opts.pretty, opts.logLevel ?? process.env['VIGIL_LOG_LEVEL'] ?? 'info');
  const store = await openStore({
    url: opts.databaseUrl,
    dataDir: opts.dataDir,
    onConnectionError: (err) =>
      logger.warn(
        { err: err.message },
        'the database ended an idle connection; the next query opens a new one',
      ),
  });
  const externalUrl =
    loaded.config.server.external_url ??
    `http://${opts.host === '0.0.0.0' ? 'localhost' : opts.host}:${opts.port}`;
  const envToken = process.env['VIGIL_API_TOKEN'] || undefined;
  let assembly: Assembly;
  try {
    assembly = assemble(loaded, { store, clock, logger, externalUrl });
  } catch (err) {
    await store.close();
    throw err;
  }
  const metrics = createMetrics(store.db, assembly.intake);
  const worker = new Worker(store, clock, assembly.handlers, { logger });
  const ctx: AppContext = {
    store,
    clock,
    loaded,
    logger,
    metrics,
    group: routeGroupFn(loaded.pipeline.tree),
    hooks: assembly.hooks,
    envToken,
    worker,
    version: packageVersion(),
    startedAt: clock.now(),
    externalUrl,
    intake: assembly.intake,
  };
  const app = await buildApp(ctx, assembly.routes);
  // The reader thread comes up while recovery runs, so the first alert storm finds it ready.
  const reading = bodyReaderOf(ctx).start();
  // Alerts acknowledged before a crash but not yet applied are applied before anything else runs.
  const ingest = ingestServiceOf(ctx);
  const recovered = await ingest.recover();
  if (recovered > 0) logger.info({ alerts: recovered }, 'applied accepted alerts left by the previous run');
  if (!(await reading))
    logger.warn('the reader thread did not start; request bodies are read on the event loop');
  await app.listen({ port: opts.port, host: opts.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  await assembly.start(store.db, clock.now());
  worker.start();
  assembly.runner.start();
  logger.info({ url, store: store.location, config: opts.configFile }, 'vigil is serving');
  if (opts.dev) await printDevBanner(store, loaded, url, opts.dataDir, clock);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Requests being handled finish; keep-alive connections that fall idle meanwhile are closed
      // as they do (Node only closes the ones idle at the moment close() is called), and after
      // 10 s whatever is left is cut so a stuck client cannot hold the shutdown.
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const hard = setTimeout(() => app.server.closeAllConnections(), 10_000);
      try {
        await app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(hard);
      }
      logger.info('http server closed');
      await ingest.drain();
      await worker.stop();
      await assembly.runner.stop();
      logger.info('worker and outbox runner stopped');
      await store.close();
    })());
  return { app, store, worker, loaded, url, close };
}

/** Prints where to send alerts, the integration keys and a dev admin token (created once). */
async function printDevBanner(
  store: Store,
  loaded: LoadedConfig,
  url: string,
  dataDir: string,
  clock: Clock,
): Promise<void> {
  const file = path.join(dataDir, 'dev-token');
  let token = process.env['VIGIL_API_TOKEN'];
  if (!token) {
    token = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
    if (!token) {
      token = (await createToken(store.db, 'dev', 'admin', clock.now())).token;
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    }
  }
  const key = loaded.integrations[0]?.key ?? '(none configured)';
  const lines = [
    '',
    `  vigil is running at ${url}`,
    '',
    `  dev admin token:   ${token}`,
    `  integration key:   ${key}`,
    '',
    '  send a test alert:',
    `    curl -X POST ${url}/integrations/generic/${key} -H 'content-type: application/json' \\`,
    `      -d '{"name":"ModelAccuracyLow","severity":"critical","service":"fraud-detector","summary":"accuracy 0.81 < 0.85"}'`,
    '',
    '  see incidents:',
    `    VIGIL_API_TOKEN=${token} bin/vigil incidents list --url ${url}`,
    '',
    `  Prometheus: alerting.alertmanagers[].static_configs targets ["${url.replace(/^https?:\/\//, '')}"] with authorization.credentials = the integration key`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
