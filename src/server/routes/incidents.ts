import { z } from 'zod';
import { listAlerts } from '../../alerts/alert-store.ts';
import { getIncidentByNumber, getTimeline, listIncidents } from '../../incidents/incident-store.ts';
import { incidentPriorities } from '../../incidents/priority-view.ts';
import { acknowledgeIncident, addNote, declareIncident, resolveIncident } from '../../incidents/lifecycle.ts';
import { SEVERITIES } from '../../incidents/severity.ts';
import { listNoiseRows, NOISE_STATES } from '../../pipeline/noise-store.ts';
import type { Db } from '../../store/db.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../route.ts';
import { incidentNumberParam, timeParam } from './params.ts';
import {
  alertView,
  alertViewSchema,
  incidentView,
  incidentViewSchema,
  noiseView,
  noiseViewSchema,
  timelineView,
  timelineViewSchema,
} from './views.ts';

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      v === undefined ? undefined : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).optional());

const listQuery = z.object({
  status: csv(['triggered', 'acknowledged', 'resolved'] as const).describe('Comma-separated statuses'),
  severity: csv(SEVERITIES).describe('Comma-separated severities'),
  service: z.string().optional(),
  since: timeParam.optional().describe('Triggered at or after (RFC 3339)'),
  until: timeParam.optional().describe('Triggered before (RFC 3339)'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().optional().describe('Only incidents with a lower number (paging)'),
});

const refParams = z.object({ ref: z.string().describe('INC-12 or 12') });

/** vigil's incident REST API under /api/v1/incidents. */
export function incidentRoutes(ctx: AppContext): AnyRoute[] {
  const tx = <T>(fn: (db: Db) => Promise<T>): Promise<T> => ctx.store.db.transaction().execute(fn);
  const actor = (p: { name: string } | undefined): string => p?.name ?? 'anonymous';
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/incidents',
      summary: 'List incidents, newest first, with filters',
      tag: 'incidents',
      access: 'viewer',
      query: listQuery,
      response: z.object({ incidents: z.array(incidentViewSchema) }),
      handler: async ({ query }) => {
        const list = await listIncidents(ctx.store.db, query);
        const prio = await incidentPriorities(ctx.store.db, list, ctx.loaded.pipeline, ctx.clock.now());
        return { incidents: list.map((i) => incidentView(i, prio.get(i.id))) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/incidents/:ref',
      summary: 'Show an incident with its alerts and timeline',
      tag: 'incidents',
      access: 'viewer',
      params: refParams,
      response: incidentViewSchema.extend({
        alerts: z.array(alertViewSchema),
        timeline: z.array(timelineViewSchema),
      }),
      handler: async ({ params }) => {
        const inc = await getIncidentByNumber(ctx.store.db, incidentNumberParam(params.ref));
        const now = ctx.clock.now();
        const [alerts, timeline, prio] = await Promise.all([
          listAlerts(ctx.store.db, { incidentId: inc.id }),
          getTimeline(ctx.store.db, inc.id),
          incidentPriorities(ctx.store.db, [inc], ctx.loaded.pipeline, now),
        ]);
        return {
          ...incidentView(inc, prio.get(inc.id)),
          alerts: alerts.map((a) => alertView(a, now)),
          timeline: timeline.map(timelineView),
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/noise',
      summary: 'What the noise pipeline did with alerts (suppressed, delayed, held, transient, flapping…)',
      tag: 'alerts',
      access: 'viewer',
      query: z.object({
        state: csv(NOISE_STATES).describe('Comma-separated states'),
        limit: z.coerce.number().int().min(1).max(10_000).default(500),
      }),
      response: z.object({ alerts: z.array(noiseViewSchema) }),
      handler: async ({ query }) => ({
        alerts: (await listNoiseRows(ctx.store.db, query.state ?? [], query.limit)).map(noiseView),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/incidents',
      summary: 'Declare an incident by hand',
      tag: 'incidents',
      access: 'responder',
      status: 201,
      body: z.object({
        title: z.string().min(1).max(500),
        severity: z.enum(SEVERITIES).default('high'),
        service: z.string().min(1).max(200).default('unknown'),
      }),
      response: incidentViewSchema,
      handler: async ({ body, principal }) =>
        incidentView(
          await tx((db) =>
            declareIncident(db, { ...body, actor: actor(principal) }, ctx.clock.now(), ctx.hooks),
          ),
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/incidents/:ref/acknowledge',
      summary: 'Acknowledge an incident (stops escalation)',
      tag: 'incidents',
      access: 'responder',
      params: refParams,
      response: incidentViewSchema,
      handler: async ({ params, principal }) =>
        incidentView(
          await tx((db) =>
            acknowledgeIncident(
              db,
              incidentNumberParam(params.ref),
              actor(principal),
              ctx.clock.now(),
              ctx.hooks,
            ),
          ),
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/incidents/:ref/resolve',
      summary: 'Resolve an incident',
      tag: 'incidents',
      access: 'responder',
      params: refParams,
      response: incidentViewSchema,
      handler: async ({ params, principal }) =>
        incidentView(
          await tx((db) =>
            resolveIncident(
              db,
              incidentNumberParam(params.ref),
              actor(principal),
              ctx.clock.now(),
              'manual',
              ctx.hooks,
            ),
          ),
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/incidents/:ref/notes',
      summary: 'Add a note to the timeline',
      tag: 'incidents',
      access: 'responder',
      status: 201,
      params: refParams,
      body: z.object({ text: z.string().min(1).max(10_000) }),
      response: incidentViewSchema,
      handler: async ({ params, body, principal }) =>
        incidentView(
          await tx((db) =>
            addNote(db, incidentNumberParam(params.ref), actor(principal), body.text, ctx.clock.now()),
          ),
        ),
    }),
  ];
}
