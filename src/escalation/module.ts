import fs from 'node:fs';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import type { Clock } from '../engine/clock.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import { loadNotifyChannels } from '../notify/config.ts';
import { OutboxRunner } from '../notify/runner.ts';
import type { SecretSource } from '../notify/secrets.ts';
import type { FetchLike } from '../notify/types.ts';
import type { RouteFactory } from '../server/app.ts';
import { notificationRoutes } from '../server/routes/notifications.ts';
import { VigilError, formatIssues } from '../shared/errors.ts';
import type { Store } from '../store/store.ts';
import { escalationRuntime, type EscalationRuntime, type RuntimeOverrides } from './engine-config.ts';
import { ESCALATION_STEP_JOB, escalationStepHandler } from './engine-jobs.ts';
import { escalationHooks } from './engine.ts';
import { escalationRoutes } from './routes.ts';

/** What the escalation module needs from the process that runs it. */
export interface EscalationDeps {
  clock: Clock;
  logger: Logger;
  /** The open store; the outbox runner delivers from it. */
  store: Store;
  /** HTTP client for channels (global fetch by default; tests pass a loopback-only one). */
  fetch?: FetchLike | undefined;
  /** Where channel secrets come from (the process environment and files by default). */
  secrets?: SecretSource | undefined;
  /** Reader of runtime schedule overrides (the on-call store); config overrides only without it. */
  runtimeOverrides?: RuntimeOverrides | undefined;
  /** The outbox runner's idle interval (default 250 ms). */
  idleMs?: number | undefined;
}

/** The pieces the server adds: lifecycle hooks, job handlers, routes and the outbox runner. */
export interface EscalationModule {
  hooks: IncidentHooks[];
  handlers: Record<string, JobHandler>;
  routes: RouteFactory[];
  runner: OutboxRunner;
  /** The engine's view of the config (for tests and tools). */
  runtime: EscalationRuntime;
}

const processSecrets: SecretSource = {
  env: process.env,
  readFile: (p) => fs.readFileSync(p, 'utf8'),
};

/**
 * Wires escalation and notification delivery into a server: resolves channel secrets (a missing
 * one is a `config_invalid` error naming the field), builds the outbox runner, and returns the
 * incident hooks (schedule/cancel steps), the `escalation.step` job handler (which pages and
 * pokes the runner after commit), and the escalation and notification routes. The caller starts
 * the runner with the worker and stops it on close.
 */
export function escalationModule(loaded: LoadedConfig, deps: EscalationDeps): EscalationModule {
  const loadedChannels = loadNotifyChannels(loaded.notify, deps.secrets ?? processSecrets);
  if (loadedChannels.issues.length > 0) {
    throw new VigilError(
      'config_invalid',
      `the channels have errors:\n${formatIssues(loadedChannels.issues)}`,
      loadedChannels.issues,
    );
  }
  const runner = new OutboxRunner({
    store: deps.store,
    channels: loadedChannels.channels,
    clock: deps.clock,
    fetch: deps.fetch,
    logger: deps.logger,
    ...(deps.idleMs !== undefined ? { idleMs: deps.idleMs } : {}),
  });
  const poke = (): void => runner.poke();
  const runtime = escalationRuntime(loaded, {
    channels: loadedChannels.channels,
    runtimeOverrides: deps.runtimeOverrides,
    onEnqueued: poke,
  });
  return {
    hooks: [escalationHooks(runtime)],
    handlers: { [ESCALATION_STEP_JOB]: escalationStepHandler(runtime) },
    routes: [escalationRoutes(runtime), notificationRoutes({ dispatch: runtime.dispatch, onEnqueued: poke })],
    runner,
    runtime,
  };
}
