import { parseStringMap, chunk, type Db } from '../store/db.ts';
import {
  scorePriority,
  urgencyOf,
  type PriorityResult,
  type ServiceConfig,
  type Urgency,
} from '../pipeline/priority.ts';
import { inTimeInterval, type NamedTimeInterval } from '../pipeline/time-intervals.ts';
import type { Incident } from './incident.ts';
import type { Severity } from './severity.ts';

/** An incident's priority as the API shows it: the score, P1–P5, the breakdown and the urgency. */
export interface IncidentPriority extends PriorityResult {
  urgency: Urgency;
}

/** What priority reads from the config. */
export interface PriorityConfig {
  services: readonly ServiceConfig[];
  /** Named time intervals; a service's `working_hours` names one of them. */
  timeIntervals: ReadonlyMap<string, NamedTimeInterval>;
}

/** vigil's severities in the words the score table uses (medium = warning, low = info). */
const SCORED: Record<Severity, string> = {
  critical: 'critical',
  high: 'high',
  medium: 'warning',
  low: 'info',
};

/**
 * Whether two services are related: the same service, or one directly depends on the other
 * (`services[].depends_on`). Deliberately one hop only, so "related" stays easy to explain.
 */
function related(a: string, b: string, deps: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  return a === b || (deps.get(a)?.has(b) ?? false) || (deps.get(b)?.has(a) ?? false);
}

/**
 * Priorities of these incidents at `now`, computed on read from stored data (never stored, so a
 * config change or time passing is reflected at once): severity; the most important business tier
 * among the services involved; how many services (the incident's and its alerts' `service` labels)
 * and alerts are involved; whether another open incident is related (same service or a direct
 * dependency either way); and the time since it started (frozen at its resolution). Two queries
 * for the whole list: the alerts of these incidents and the open incidents.
 */
export async function incidentPriorities(
  db: Db,
  incidents: readonly Incident[],
  cfg: PriorityConfig,
  now: number,
): Promise<Map<number, IncidentPriority>> {
  const out = new Map<number, IncidentPriority>();
  if (incidents.length === 0) return out;
  const alerts = new Map<number, number>();
  const services = new Map<number, Set<string>>();
  for (const i of incidents) {
    services.set(i.id, new Set(i.service && i.service !== 'unknown' ? [i.service] : []));
  }
  for (const part of chunk(
    incidents.map((i) => i.id),
    500,
  )) {
    const rows = await db
      .selectFrom('alerts')
      .select(['incident_id', 'labels'])
      .where('incident_id', 'in', part)
      .execute();
    for (const r of rows) {
      if (r.incident_id === null) continue;
      alerts.set(r.incident_id, (alerts.get(r.incident_id) ?? 0) + 1);
      const svc = parseStringMap(r.labels)['service'];
      if (svc) services.get(r.incident_id)?.add(svc);
    }
  }
  const open = await db
    .selectFrom('incidents')
    .select(['id', 'service'])
    .where('status', '!=', 'resolved')
    .execute();
  const deps = new Map(cfg.services.map((s) => [s.name, new Set(s.depends_on ?? [])]));
  const tiers = new Map(cfg.services.map((s) => [s.name, s]));
  for (const inc of incidents) {
    const mine = [...(services.get(inc.id) ?? [])];
    const known = mine.map((s) => tiers.get(s)).filter((s): s is ServiceConfig => s !== undefined);
    const tier = known.length > 0 ? (Math.min(...known.map((s) => s.tier)) as 1 | 2 | 3) : undefined;
    const relatedOpen = open.some((o) => o.id !== inc.id && mine.some((s) => related(s, o.service, deps)));
    const at = inc.resolvedAt ?? now;
    const result = scorePriority(
      {
        severity: SCORED[inc.severity],
        tier,
        services: Math.max(1, mine.length),
        alerts: alerts.get(inc.id) ?? 0,
        relatedIncidentOpen: relatedOpen,
        startedAt: inc.triggeredAt,
      },
      at,
    );
    const hours = known
      .map((s) => (s.working_hours ? cfg.timeIntervals.get(s.working_hours) : undefined))
      .filter((t): t is NamedTimeInterval => t !== undefined);
    const inHours = hours.length === 0 || hours.some((t) => inTimeInterval(t, now));
    out.set(inc.id, { ...result, urgency: urgencyOf(result.priority, SCORED[inc.severity], inHours) });
  }
  return out;
}
