import type { LoadedConfig } from '../config/load.ts';
import { VigilError } from '../shared/errors.ts';
import type { ScheduleDef } from './model.ts';
import { normalizeSchedule } from './normalize.ts';
import type { UserConfig } from './people-schema.ts';
import type { ScheduleConfig } from './schema.ts';

/**
 * The on-call part of a loaded config, normalised once and shared by the API, the handoff jobs
 * and the report: schedule definitions by id, the users and their zones and display names.
 */
export interface OncallCatalog {
  /** Normalised schedules, in config order. */
  schedules: ReadonlyMap<string, ScheduleDef>;
  /** The schedules as written (for names and other display fields). */
  configs: ReadonlyMap<string, ScheduleConfig>;
  /** Known user ids, or undefined when the config lists no `users:` (then nothing is checked). */
  users: ReadonlySet<string> | undefined;
  /** The `users:` entries by id. */
  people: ReadonlyMap<string, UserConfig>;
  /** The schedule with this id, or a `not_found` VigilError. */
  schedule(id: string): ScheduleDef;
  /** Everyone named by the schedule's primary layers (every version), in first-seen order. */
  members(id: string): string[];
  /** The user's own zone (undefined = UTC). */
  zoneOf(user: string): string | undefined;
  /** The user's display name (defaults to the id). */
  displayName(user: string): string;
}

const cache = new WeakMap<LoadedConfig, OncallCatalog>();

/** Builds (once per loaded config) the catalog of schedules and users. */
export function oncallCatalog(loaded: LoadedConfig): OncallCatalog {
  const hit = cache.get(loaded);
  if (hit) return hit;
  const sections = loaded.oncall;
  const schedules = new Map<string, ScheduleDef>();
  const configs = new Map<string, ScheduleConfig>();
  for (const cfg of sections.schedules) {
    schedules.set(cfg.id, normalizeSchedule(cfg));
    configs.set(cfg.id, cfg);
  }
  const people = new Map(sections.users.map((u) => [u.id, u]));
  const catalog: OncallCatalog = {
    schedules,
    configs,
    users: people.size > 0 ? new Set(people.keys()) : undefined,
    people,
    schedule(id) {
      const def = schedules.get(id);
      if (!def) throw new VigilError('not_found', `no schedule "${id}"`);
      return def;
    },
    members(id) {
      const def = this.schedule(id);
      const out = new Set<string>();
      for (const layer of def.layers) {
        if (layer.role !== 'primary') continue;
        for (const v of layer.versions) for (const slot of v.slots) for (const u of slot) out.add(u);
      }
      return [...out];
    },
    zoneOf: (user) => people.get(user)?.time_zone,
    displayName: (user) => people.get(user)?.name ?? user,
  };
  cache.set(loaded, catalog);
  return catalog;
}
