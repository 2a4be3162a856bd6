import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import type { Clock } from '../engine/clock.ts';
import type { IntakeGate } from '../engine/intake-gate.ts';
import type { Worker } from '../engine/worker.ts';
import type { GroupFn } from '../incidents/grouping.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from './metrics.ts';

/** Everything the HTTP layer needs, handed in by whoever starts the server (CLI or a test). */
export interface AppContext {
  store: Store;
  clock: Clock;
  loaded: LoadedConfig;
  logger: Logger;
  metrics: Metrics;
  group: GroupFn;
  /** Lifecycle reactions (escalation, notifications) run inside incident transactions. */
  hooks: IncidentHooks[];
  /** Admin token from VIGIL_API_TOKEN, if set. */
  envToken?: string | undefined;
  /** The job worker, poked when new work is scheduled. */
  worker?: Worker | undefined;
  version: string;
  startedAt: number;
  /** The URL vigil is reached at (for links and /api/v2/status). */
  externalUrl: string;
  /** Holds new ingestion requests while a new group's first page is on its way (ADR 0015). */
  intake?: IntakeGate | undefined;
}
