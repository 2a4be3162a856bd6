import type { LoadedConfig } from '../config/load.ts';
import type { IncidentHooks } from '../incidents/hooks.ts';
import { routeGroupFn } from '../pipeline/setup.ts';
import type { IngestOptions } from './ingest.ts';

/**
 * The ingest options for a loaded config: grouping by the routing tree, its timers, the noise
 * pipeline, the incident hooks and auto-resolve. The HTTP ingest path and the jobs that open
 * incidents later (delayed or aggregated alerts) use the same options, so an alert opens its
 * incident the same way whichever path brings it.
 */
export function ingestOptionsFor(loaded: LoadedConfig, hooks: readonly IncidentHooks[]): IngestOptions {
  return {
    group: routeGroupFn(loaded.pipeline.tree),
    tree: loaded.pipeline.tree,
    pipeline: loaded.pipeline,
    hooks,
    autoResolve: loaded.config.incidents.auto_resolve,
  };
}
