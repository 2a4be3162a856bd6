import type { LoadedConfig } from '../config/load.ts';
import type { JobHandler } from '../engine/worker.ts';
import type { RouteFactory } from '../server/app.ts';
import { oncallRoutes, type OncallRouteOptions } from '../server/routes/oncall.ts';
import type { Db } from '../store/db.ts';
import { handoffHandlers, scheduleHandoffs } from './handoff-jobs.ts';

/**
 * The on-call runtime as one unit for the server to mount: the HTTP routes (who is on call,
 * shifts, runtime overrides, iCal feeds, the burden report), the job handlers of the handoff
 * notices, and `start`, which plans the first handoff notices (call it once the store is open).
 */

/** What the on-call module needs from its host. */
export interface OncallModuleDeps extends OncallRouteOptions {
  /** The environment, for `VIGIL_FEED_SECRET` (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The pieces the integrator wires into the app and the worker. */
export interface OncallModule {
  routes: RouteFactory[];
  handlers: Record<string, JobHandler>;
  /** Plans the handoff notices within the horizon (idempotent; safe on every start). */
  start(db: Db, now: number): Promise<void>;
}

/** Builds the on-call module for a loaded config. */
export function oncallModule(loaded: LoadedConfig, deps: OncallModuleDeps = {}): OncallModule {
  return {
    routes: [(ctx) => oncallRoutes(ctx, deps)],
    handlers: handoffHandlers(loaded, deps),
    start: async (db, now) => {
      await db.transaction().execute((trx) => scheduleHandoffs(trx, loaded, now, deps));
    },
  };
}
