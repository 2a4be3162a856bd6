import { z } from 'zod';

/**
 * Incident priority: a transparent 0–100 score with a per-factor breakdown, mapped to P1–P5.
 *
 *   severity        critical 40 · error/high 30 · warning 20 · info 5 · unknown 30
 *   business tier   tier 1: 25 · tier 2: 15 · tier 3: 5 · unknown: 10
 *   services        +5 per service beyond the first, at most 15
 *   alerts          +2·log2(alerts), at most 10
 *   related open    +5 when a related incident (same service or dependency) is open
 *   age             +1 per 10 minutes since start, at most 5
 *
 *   score ≥ 80 → P1 · ≥ 60 → P2 · ≥ 40 → P3 · ≥ 20 → P4 · else P5
 *
 * Urgency (page now or wait for working hours) is separate: it never changes the priority.
 */

/** The `services:` config list: name, business tier, and the services it depends on. */
export const servicesSchema = z.array(
  z.strictObject({
    name: z.string().min(1),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    depends_on: z.array(z.string().min(1)).optional(),
    owner: z.string().optional(),
    working_hours: z.string().optional(),
  }),
);

/** One service as written in YAML. */
export type ServiceConfig = z.infer<typeof servicesSchema>[number];

/** What the score reads from an incident. */
export interface PriorityInput {
  severity?: string | undefined;
  /** The lowest (most important) tier among the services involved. */
  tier?: 1 | 2 | 3 | undefined;
  services: number;
  alerts: number;
  relatedIncidentOpen: boolean;
  startedAt: number;
}

/** P1 (most urgent) … P5. */
export type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

/** A factor's contribution to the score. */
export interface PriorityFactor {
  factor: 'severity' | 'tier' | 'services' | 'alerts' | 'related_incident' | 'age';
  points: number;
  detail: string;
}

/** The score, its priority, and how it was reached. */
export interface PriorityResult {
  score: number;
  priority: Priority;
  breakdown: PriorityFactor[];
}

const SEVERITY: Record<string, number> = {
  critical: 40,
  page: 40,
  error: 30,
  high: 30,
  warning: 20,
  warn: 20,
  info: 5,
};
const TIER: Record<number, number> = { 1: 25, 2: 15, 3: 5 };

/** Maps a score to P1–P5. */
export function priorityOf(score: number): Priority {
  return score >= 80 ? 'P1' : score >= 60 ? 'P2' : score >= 40 ? 'P3' : score >= 20 ? 'P4' : 'P5';
}

/** Scores an incident at `now`, returning the score, P1–P5 and the per-factor breakdown. */
export function scorePriority(i: PriorityInput, now: number): PriorityResult {
  const sev = i.severity?.toLowerCase();
  const sevPts = sev !== undefined ? (SEVERITY[sev] ?? 30) : 30;
  const tierPts = i.tier !== undefined ? (TIER[i.tier] ?? 10) : 10;
  const svcPts = Math.min(15, 5 * Math.max(0, i.services - 1));
  const alertPts = Math.min(10, Math.round(2 * Math.log2(Math.max(1, i.alerts))));
  const relPts = i.relatedIncidentOpen ? 5 : 0;
  const ageMin = Math.max(0, (now - i.startedAt) / 60_000);
  const agePts = Math.min(5, Math.floor(ageMin / 10));
  const breakdown: PriorityFactor[] = [
    { factor: 'severity', points: sevPts, detail: `severity ${sev ?? 'unknown'}` },
    { factor: 'tier', points: tierPts, detail: `tier ${i.tier ?? 'unknown'}` },
    { factor: 'services', points: svcPts, detail: `${i.services} service(s)` },
    { factor: 'alerts', points: alertPts, detail: `${i.alerts} alert(s)` },
    {
      factor: 'related_incident',
      points: relPts,
      detail: i.relatedIncidentOpen ? 'related incident open' : 'none open',
    },
    { factor: 'age', points: agePts, detail: `${Math.floor(ageMin)} min since start` },
  ];
  const score = Math.min(
    100,
    breakdown.reduce((s, f) => s + f.points, 0),
  );
  return { score, priority: priorityOf(score), breakdown };
}

/** How to notify: now (high) or at the start of working hours (low). */
export type Urgency = 'high' | 'low';

/**
 * Urgency, separate from priority: P1–P3 and critical/error severities page now at any hour;
 * P4–P5 page now only within working hours, else wait for them (PagerDuty's support-hours model).
 */
export function urgencyOf(
  priority: Priority,
  severity: string | undefined,
  inWorkingHours: boolean,
): Urgency {
  const sev = severity?.toLowerCase();
  if (priority === 'P1' || priority === 'P2' || priority === 'P3') return 'high';
  if (sev === 'critical' || sev === 'page' || sev === 'error') return 'high';
  return inWorkingHours ? 'high' : 'low';
}
