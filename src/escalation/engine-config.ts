import type { LoadedConfig } from '../config/load.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Channel } from '../notify/channels/index.ts';
import type { DispatchContext } from '../notify/dispatch.ts';
import type { NotifySeverity } from '../notify/types.ts';
import type { Urgency } from '../notify/urgency.ts';
import type { UserConfig } from '../notify/users.ts';
import type { Override, ScheduleDef } from '../oncall/model.ts';
import { normalizeSchedule } from '../oncall/normalize.ts';
import type { Db } from '../store/db.ts';
import { normalizePolicy, type EscalationPolicy } from './policy.ts';
import type { TeamDef } from './resolve-level.ts';

/**
 * Reads runtime schedule overrides (created through the API) at an instant, per schedule id. The
 * on-call domain owns that table; the integrator passes its reader here. Without one, only the
 * overrides written in config apply.
 */
export type RuntimeOverrides = (db: Db, at: number) => Promise<ReadonlyMap<string, readonly Override[]>>;

/**
 * Everything the escalation engine reads from config, normalised once at start: policies,
 * schedules, teams, the people notification rules, and the channels that deliver.
 */
export interface EscalationRuntime {
  policies: ReadonlyMap<string, EscalationPolicy>;
  /** The policy an incident escalates with when its route names none (see `defaultPolicyId`). */
  defaultPolicyId: string | undefined;
  schedules: ReadonlyMap<string, ScheduleDef>;
  teams: ReadonlyMap<string, TeamDef>;
  /** Known user ids (undefined when the config has no `users:`, so `user:ID` is not checked). */
  users: ReadonlySet<string> | undefined;
  /** Users' contact methods and notification rules. */
  notifyUsers: ReadonlyMap<string, UserConfig>;
  dispatch: DispatchContext;
  urgency: Partial<Record<NotifySeverity, Urgency>>;
  /** Link to an incident's page, when the external URL is known. */
  incidentUrl: ((key: string) => string) | undefined;
  runtimeOverrides: RuntimeOverrides | undefined;
  /** Called after a transaction that enqueued notifications committed (pokes the outbox runner). */
  onEnqueued: () => void;
}

/**
 * The default policy: the one whose id is `default`, else the first one in the file. Routes can
 * name another with `escalation_policy`; the per-incident override can swap it later.
 */
export function defaultPolicyId(policies: readonly { id: string }[]): string | undefined {
  return (policies.find((p) => p.id === 'default') ?? policies[0])?.id;
}

/** The policy a route chose for this incident, when the incident carries one. */
export function routedPolicy(incident: Incident): string | undefined {
  const v = (incident as unknown as Record<string, unknown>)['escalationPolicy'];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Builds the engine's runtime view of a loaded config. */
export function escalationRuntime(
  loaded: LoadedConfig,
  opts: {
    channels: ReadonlyMap<string, Channel>;
    runtimeOverrides?: RuntimeOverrides | undefined;
    onEnqueued?: () => void;
  },
): EscalationRuntime {
  const oc = loaded.oncall;
  const base = loaded.notify.notifications.public_url ?? loaded.config.server.external_url;
  return {
    policies: new Map(oc.escalationPolicies.map((p) => [p.id, normalizePolicy(p)])),
    defaultPolicyId: defaultPolicyId(oc.escalationPolicies),
    schedules: new Map(oc.schedules.map((s) => [s.id, normalizeSchedule(s)])),
    teams: new Map(
      oc.teams.map((t) => [
        t.id,
        { id: t.id, members: t.members, ...(t.manager !== undefined ? { manager: t.manager } : {}) },
      ]),
    ),
    users: oc.users.length ? new Set(oc.users.map((u) => u.id)) : undefined,
    notifyUsers: new Map(loaded.notify.users.map((u) => [u.id, u])),
    dispatch: { channels: opts.channels, templates: loaded.notify.templates },
    urgency: loaded.notify.notifications.urgency,
    incidentUrl: base ? (key) => `${base.replace(/\/+$/, '')}/incidents/${key}` : undefined,
    runtimeOverrides: opts.runtimeOverrides,
    onEnqueued: opts.onEnqueued ?? (() => undefined),
  };
}
