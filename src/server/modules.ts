import fs from 'node:fs';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import { groupFlushHandler } from '../dispatch/flush.ts';
import { GROUP_FLUSH_JOB } from '../dispatch/schedule.ts';
import type { Clock } from '../engine/clock.ts';
import { IntakeGate } from '../engine/intake-gate.ts';
import { spineHandlers } from '../engine/handlers.ts';
import { noiseRecheckHandler } from '../ingest/noise-jobs.ts';
import { NOISE_RECHECK_JOB } from '../ingest/noise-stage.ts';
import { ingestOptionsFor } from '../ingest/options.ts';
import type { JobHandler } from '../engine/worker.ts';
import { escalationModule } from '../escalation/module.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import type { FetchLike } from '../notify/types.ts';
import type { OutboxRunner } from '../notify/runner.ts';
import { payloadRetentionHandlers, startPayloadRetention } from '../notify/payload-retention.ts';
import { historyRetentionHandlers, startHistoryRetention } from '../alerts/history-retention.ts';
import { oncallModule } from '../oncall/module.ts';
import { allRuntimeOverrides } from '../oncall/override-store.ts';
import { silenceHandlers } from '../pipeline/silence-jobs.ts';
import type { Db } from '../store/db.ts';
import type { Store } from '../store/store.ts';
import type { RouteFactory } from './app.ts';
import { silenceRoutes } from './routes/silences.ts';

/** Everything the domains contribute to a running server, assembled in one place. */
export interface Assembly {
  hooks: IncidentHooks[];
  handlers: Record<string, JobHandler>;
  routes: RouteFactory[];
  runner: OutboxRunner;
  /** Pages before intake: group flushes hold it, ingestion waits on it (ADR 0015). */
  intake: IntakeGate;
  /** Work to do once at start (planning handoff notices, arming payload retention). */
  start(db: Db, now: number): Promise<void>;
}

/** What assembling needs from the shell. */
export interface AssemblyDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  externalUrl: string;
  fetch?: FetchLike | undefined;
  /** Where channel secrets are read from (the process environment and files by default). */
  env?: NodeJS.ProcessEnv;
  /** The outbox runner's idle interval. */
  idleMs?: number;
}

/**
 * Wires the domains together for `vigil serve` and for tests alike: incident hooks (escalation),
 * job handlers (resolve checks, group flushes, escalation steps, handoffs, silence expiry), the
 * routes of silences, on-call, escalation and notifications, and the outbox runner that delivers.
 * Channel secrets that cannot be resolved are a config error here, at start.
 */
export function assemble(loaded: LoadedConfig, deps: AssemblyDeps): Assembly {
  const secrets = { env: deps.env ?? process.env, readFile: (p: string) => fs.readFileSync(p, 'utf8') };
  const escalation = escalationModule(loaded, {
    clock: deps.clock,
    logger: deps.logger,
    store: deps.store,
    fetch: deps.fetch,
    secrets,
    runtimeOverrides: (db) => allRuntimeOverrides(db),
    ...(deps.idleMs !== undefined ? { idleMs: deps.idleMs } : {}),
  });
  const oncall = oncallModule(loaded, {
    env: secrets.env,
    dispatch: escalation.runtime.dispatch,
    onEnqueued: () => escalation.runner.poke(),
    logger: deps.logger,
  });
  const hooks = [...escalation.hooks];
  const intake = new IntakeGate({ maxHoldMs: loaded.config.server.ingest_queue.pageFirstHoldMs });
  const flush = groupFlushHandler({
    intake,
    pipeline: loaded.pipeline,
    notify: escalation.runtime.dispatch,
    externalUrl: deps.externalUrl,
    onEnqueued: () => escalation.runner.poke(),
    claimer: escalation.runner,
  });
  const { flap } = loaded.pipeline;
  const history = {
    retentionMs: loaded.config.server.alert_history_retention,
    keepAtLeastMs: flap.enabled ? flap.windowMs + flap.settleMs : 0,
  };
  return {
    hooks,
    handlers: {
      ...spineHandlers(hooks),
      ...silenceHandlers,
      ...escalation.handlers,
      ...oncall.handlers,
      [GROUP_FLUSH_JOB]: flush,
      [NOISE_RECHECK_JOB]: noiseRecheckHandler(ingestOptionsFor(loaded, hooks)),
      ...payloadRetentionHandlers(loaded.notify.notifications.payload_retention),
      ...historyRetentionHandlers(history),
    },
    routes: [silenceRoutes, ...escalation.routes, ...oncall.routes],
    runner: escalation.runner,
    intake,
    start: async (db, now) => {
      await startPayloadRetention(db, now);
      await startHistoryRetention(db, now, history);
      await oncall.start(db, now);
    },
  };
}
