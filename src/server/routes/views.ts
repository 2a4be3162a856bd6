import { z } from 'zod';
import type { StoredAlert } from '../../alerts/alert-store.ts';
import type { Incident, TimelineEvent } from '../../incidents/incident.ts';
import type { IncidentPriority } from '../../incidents/priority-view.ts';
import { SEVERITIES } from '../../incidents/severity.ts';
import { NOISE_STATES, type NoiseRow } from '../../pipeline/noise-store.ts';

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The JSON shape of an incident's priority: P1–P5, the 0–100 score and how it was reached. */
export const priorityViewSchema = z.object({
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']),
  score: z.number(),
  urgency: z.enum(['high', 'low']).describe('Page now (high) or wait for working hours (low)'),
  breakdown: z.array(
    z.object({
      factor: z.enum(['severity', 'tier', 'services', 'alerts', 'related_incident', 'age']),
      points: z.number(),
      detail: z.string(),
    }),
  ),
});

/** The JSON shape of an incident in vigil's REST API. */
export const incidentViewSchema = z.object({
  id: z.string().describe('Human id, e.g. INC-12'),
  number: z.number(),
  title: z.string(),
  severity: z.enum(SEVERITIES),
  status: z.enum(['triggered', 'acknowledged', 'resolved']),
  service: z.string(),
  groupKey: z.string(),
  triggeredAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedBy: z.string().nullable(),
  manual: z.boolean(),
  assignee: z.string().nullable(),
  updatedAt: z.string(),
  priority: priorityViewSchema.optional().describe('Computed on read (listing and show)'),
});

/** Renders an incident for the API (ISO times, human id), with its priority when given. */
export function incidentView(i: Incident, priority?: IncidentPriority): z.infer<typeof incidentViewSchema> {
  return {
    ...(priority ? { priority } : {}),
    id: i.key,
    number: i.number,
    title: i.title,
    severity: i.severity,
    status: i.status,
    service: i.service,
    groupKey: i.groupKey,
    triggeredAt: new Date(i.triggeredAt).toISOString(),
    acknowledgedAt: isoOrNull(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    resolvedAt: isoOrNull(i.resolvedAt),
    resolvedBy: i.resolvedBy,
    manual: i.manual,
    assignee: i.assignee,
    updatedAt: new Date(i.updatedAt).toISOString(),
  };
}

/** The JSON shape of an alert in vigil's REST API. */
export const alertViewSchema = z.object({
  fingerprint: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string(),
  generatorURL: z.string(),
  source: z.string(),
  incident: z.number().nullable(),
});

/** Renders an alert for the API. */
export function alertView(a: StoredAlert, now: number): z.infer<typeof alertViewSchema> {
  return {
    fingerprint: a.fingerprint,
    status: a.endsAt > now ? 'firing' : 'resolved',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: new Date(a.endsAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
    generatorURL: a.generatorURL,
    source: a.source,
    incident: a.incidentId,
  };
}

/** The JSON shape of a timeline event. */
export const timelineViewSchema = z.object({
  at: z.string(),
  type: z.string(),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** Renders a timeline event for the API. */
export function timelineView(e: TimelineEvent): z.infer<typeof timelineViewSchema> {
  return { at: new Date(e.at).toISOString(), type: e.type, actor: e.actor, data: e.data };
}

/** The JSON shape of an alert's noise state (what aggregation rules or flap detection did). */
export const noiseViewSchema = z.object({
  fingerprint: z.string(),
  state: z.enum(NOISE_STATES),
  rule: z.string().nullable().describe('The aggregation rule that decided it'),
  aggregationKey: z.string().nullable(),
  episodeStartsAt: z.string().describe('The startsAt of the firing episode the state is about'),
  until: z.string().nullable().describe('When it is looked at again'),
  flapCount: z.number(),
  updatedAt: z.string(),
});

/** Renders a noise row for the API. */
export function noiseView(r: NoiseRow): z.infer<typeof noiseViewSchema> {
  return {
    fingerprint: r.fingerprint,
    state: r.state,
    rule: r.rule ?? null,
    aggregationKey: r.aggKey ?? null,
    episodeStartsAt: new Date(r.episode).toISOString(),
    until: isoOrNull(r.until ?? null),
    flapCount: r.flapCount,
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
