import type { IntakeGate } from '../engine/intake-gate.ts';
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { groupFlushHandler } from '../dispatch/flush.ts';
import { GROUP_FLUSH_JOB } from '../dispatch/schedule.ts';
import { noiseRecheckHandler } from '../ingest/noise-jobs.ts';
import { NOISE_RECHECK_JOB } from '../ingest/noise-stage.ts';
import { ingestOptionsFor } from '../ingest/options.ts';
import { loadNotifyChannels } from '../notify/index.ts';
import type { OutboxRunner } from '../notify/runner.ts';
import type { FetchLike } from '../notify/types.ts';
import { assemble } from './modules.ts';
import pino, { type Logger } from 'pino';
import { createToken, type Role } from '../auth/tokens.ts';
import { loadConfigText, type LoadedConfig } from '../config/load.ts';
import { FakeClock } from '../engine/clock.ts';
import { spineHandlers } from '../engine/handlers.ts';
import { Worker, type JobHandler } from '../engine/worker.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import { routeGroupFn } from '../pipeline/setup.ts';
import type { Store } from '../store/store.ts';
import { buildApp, type RouteFactory } from './app.ts';
import type { AppContext } from './context.ts';
import { createMetrics } from './metrics.ts';

/** The integration key of the test configuration. */
export const TEST_KEY = 'test-integration-key-0123456789';

/** A minimal valid configuration for tests; `extra` is appended as YAML. */
export function testConfigText(extra = ''): string {
  return `integrations:\n  - name: test\n    key: ${TEST_KEY}\n${extra}`;
}

/** An app wired to a store and a fake clock, with helpers to make tokens. */
export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  clock: FakeClock;
  worker: Worker;
  token(role: Role): Promise<string>;
  close(): Promise<void>;
  /** The outbox runner, when the app was built with `full`. */
  runner?: OutboxRunner;
}

/** Builds the real app over a real store, driven by a FakeClock (no sockets unless listen()). */
export async function createTestApp(
  store: Store,
  opts: {
    configText?: string;
    extra?: RouteFactory[];
    clock?: FakeClock;
    hooks?: IncidentHooks[];
    handlers?: Record<string, JobHandler>;
    /** Pages before intake: the gate ingestion waits on (none by default). */
    intake?: IntakeGate;
    /**
     * Wire every domain as `vigil serve` does (escalation, on-call, silences, notifications with
     * the outbox runner) instead of the spine alone.
     */
    full?: { fetch?: FetchLike; env?: NodeJS.ProcessEnv };
  } = {},
): Promise<TestApp> {
  const clock = opts.clock ?? new FakeClock('2026-11-27T10:00:00Z');
  const res = loadConfigText('test.yaml', opts.configText ?? testConfigText());
  if (!res.ok) throw new Error(`test config invalid: ${JSON.stringify(res.issues)}`);
  const logger = pino({ level: process.env['VIGIL_TEST_LOG'] ?? 'silent' });
  if (opts.full) return createFullTestApp(store, clock, res.loaded, logger, opts.full, opts.extra ?? []);
  const hooks = opts.hooks ?? [];
  const notify = loadNotifyChannels(res.loaded.notify, {
    env: process.env,
    readFile: (p) => fs.readFileSync(p, 'utf8'),
  });
  const flush = groupFlushHandler({
    pipeline: res.loaded.pipeline,
    notify: { channels: notify.channels, templates: notify.templates },
    externalUrl: 'http://vigil.test',
  });
  const handlers = {
    ...spineHandlers(hooks),
    [GROUP_FLUSH_JOB]: flush,
    [NOISE_RECHECK_JOB]: noiseRecheckHandler(ingestOptionsFor(res.loaded, hooks)),
    ...opts.handlers,
  };
  return finishTestApp({
    store,
    clock,
    loaded: res.loaded,
    logger,
    hooks,
    handlers,
    routes: opts.extra ?? [],
    ...(opts.intake ? { intake: opts.intake } : {}),
  });
}

/** Builds the worker, context and app shared by both kinds of test app. */
async function finishTestApp(p: {
  store: Store;
  clock: FakeClock;
  loaded: LoadedConfig;
  logger: Logger;
  hooks: IncidentHooks[];
  handlers: Record<string, JobHandler>;
  routes: RouteFactory[];
  runner?: OutboxRunner;
  intake?: IntakeGate;
  start?: (db: Store['db'], now: number) => Promise<void>;
}): Promise<TestApp> {
  const { store, clock, loaded, logger } = p;
  const worker = new Worker(store, clock, p.handlers, { logger });
  const ctx: AppContext = {
    store,
    clock,
    loaded,
    logger,
    metrics: createMetrics(store.db, p.intake),
    group: routeGroupFn(loaded.pipeline.tree),
    hooks: p.hooks,
    envToken: 'env-admin-token-for-tests',
    worker,
    version: 'test',
    startedAt: clock.now(),
    externalUrl: 'http://vigil.test',
    intake: p.intake,
  };
  const app = await buildApp(ctx, p.routes);
  await app.ready();
  await p.start?.(store.db, clock.now());
  const runner = p.runner;
  return {
    app,
    ctx,
    clock,
    worker,
    ...(runner ? { runner } : {}),
    token: async (role) => (await createToken(store.db, `test-${role}`, role, clock.now())).token,
    close: async () => {
      await app.close();
      await runner?.stop();
    },
  };
}

async function createFullTestApp(
  store: Store,
  clock: FakeClock,
  loaded: LoadedConfig,
  logger: Logger,
  full: { fetch?: FetchLike; env?: NodeJS.ProcessEnv },
  extra: RouteFactory[],
): Promise<TestApp> {
  const assembly = assemble(loaded, {
    store,
    clock,
    logger,
    externalUrl: 'http://vigil.test',
    fetch: full.fetch,
    ...(full.env ? { env: full.env } : {}),
  });
  return finishTestApp({
    store,
    clock,
    loaded,
    logger,
    hooks: assembly.hooks,
    handlers: assembly.handlers,
    routes: [...assembly.routes, ...extra],
    runner: assembly.runner,
    intake: assembly.intake,
    start: assembly.start,
  });
}
