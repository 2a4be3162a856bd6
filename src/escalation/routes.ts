import { z } from 'zod';
import { listJobs } from '../engine/jobs.ts';
import type { Incident } from '../incidents/incident.ts';
import { getIncidentByNumber } from '../incidents/incident-store.ts';
import type { RouteFactory } from '../server/app.ts';
import type { AppContext } from '../server/context.ts';
import { defineRoute } from '../server/route.ts';
import { incidentNumberParam } from '../server/routes/params.ts';
import type { Db } from '../store/db.ts';
import type { EscalationRuntime } from './engine-config.ts';
import { currentPlan, stepPrefix } from './engine-jobs.ts';
import { listFired } from './engine-store.ts';
import { escalateNow, overrideEscalation } from './engine.ts';

const refParams = z.object({ ref: z.string().describe('INC-12 or 12') });

/** The JSON view of an incident's escalation. */
export const escalationViewSchema = z.object({
  incident: z.string(),
  status: z.string(),
  policy: z.string().nullable(),
  afterMinutes: z.array(z.number()).nullable(),
  state: z.enum(['escalating', 'acknowledged', 'resolved', 'none']),
  retriggerAt: z.string().nullable(),
  steps: z.array(
    z.object({
      key: z.string(),
      epoch: z.number(),
      round: z.number(),
      level: z.number(),
      dueAt: z.string(),
      cause: z.string(),
      /** fired / empty (fell through) / pending / cancelled / skipped (ran, nothing to do). */
      status: z.string(),
      firedAt: z.string().nullable(),
      users: z.array(z.string()),
    }),
  ),
});
type EscalationView = z.infer<typeof escalationViewSchema>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** Builds the escalation view of an incident (plan, job states and what fired). */
export async function escalationView(
  db: Db,
  rt: EscalationRuntime,
  incident: Incident,
  now: number,
): Promise<EscalationView> {
  const cur = await currentPlan(db, rt, incident);
  const jobs = new Map((await listJobs(db, stepPrefix(incident.id))).map((j) => [j.key, j]));
  const fired = new Map((await listFired(db, incident.id)).map((f) => [f.key, f]));
  const retriggerAt = cur?.plan.retriggerAt;
  const retriggered = retriggerAt !== undefined && retriggerAt <= now && incident.status === 'triggered';
  return {
    incident: incident.key,
    status: incident.status,
    policy: cur?.policy.id ?? null,
    afterMinutes: cur?.state.afterMinutes ?? null,
    // The plan's state is the one after its last event; an ack timeout that passed re-triggered it.
    state: retriggered ? 'escalating' : (cur?.plan.state ?? 'none'),
    retriggerAt: retriggerAt === undefined || retriggered ? null : iso(retriggerAt),
    steps: (cur?.plan.steps ?? []).map((s) => {
      const f = fired.get(s.key);
      const j = jobs.get(s.key);
      const status = f
        ? f.empty
          ? 'empty'
          : 'fired'
        : j?.status === 'done'
          ? 'skipped'
          : (j?.status ?? 'pending');
      return {
        key: s.key,
        epoch: s.epoch,
        round: s.round,
        level: s.level,
        dueAt: iso(s.dueAt),
        cause: s.cause,
        status,
        firedAt: f ? iso(f.at) : null,
        users: f?.users ?? [],
      };
    }),
  };
}

/**
 * Escalation routes: `GET /api/v1/incidents/:ref/escalation` (viewer) shows the plan;
 * `POST /api/v1/incidents/:ref/escalation` `{policy?, after_minutes?}` (responder) sets the
 * per-incident override; `POST /api/v1/incidents/:ref/escalate` (responder) escalates now.
 */
export function escalationRoutes(rt: EscalationRuntime): RouteFactory {
  return (ctx: AppContext) => {
    const tx = <T>(fn: (db: Db) => Promise<T>): Promise<T> => ctx.store.db.transaction().execute(fn);
    const actor = (p: { name: string } | undefined): string => p?.name ?? 'anonymous';
    return [
      defineRoute({
        method: 'GET',
        url: '/api/v1/incidents/:ref/escalation',
        summary: "Show an incident's escalation plan and which steps fired",
        tag: 'escalation',
        access: 'viewer',
        params: refParams,
        response: escalationViewSchema,
        handler: async ({ params }) => {
          const inc = await getIncidentByNumber(ctx.store.db, incidentNumberParam(params.ref));
          return escalationView(ctx.store.db, rt, inc, ctx.clock.now());
        },
      }),
      defineRoute({
        method: 'POST',
        url: '/api/v1/incidents/:ref/escalation',
        summary: 'Override the escalation of one incident (policy and/or level delays)',
        tag: 'escalation',
        access: 'responder',
        params: refParams,
        body: z
          .object({
            policy: z.string().min(1).optional(),
            after_minutes: z
              .union([
                z.number().int().min(0).max(10_080),
                z.array(z.number().int().min(0).max(10_080)).min(1),
              ])
              .optional()
              .describe('N: levels N minutes apart; a list: each level'),
          })
          .strict()
          .refine((b) => b.policy !== undefined || b.after_minutes !== undefined, {
            message: 'give policy and/or after_minutes',
          }),
        response: escalationViewSchema,
        handler: async ({ params, body, principal }) => {
          const view = await tx(async (db) => {
            const inc = await getIncidentByNumber(db, incidentNumberParam(params.ref));
            const change = { policy: body.policy, afterMinutes: body.after_minutes };
            await overrideEscalation(db, rt, inc, change, actor(principal), ctx.clock.now());
            return escalationView(db, rt, inc, ctx.clock.now());
          });
          ctx.worker?.poke();
          return view;
        },
      }),
      defineRoute({
        method: 'POST',
        url: '/api/v1/incidents/:ref/escalate',
        summary: 'Escalate now: fire the next level at once (re-triggers an acknowledged incident)',
        tag: 'escalation',
        access: 'responder',
        params: refParams,
        response: escalationViewSchema,
        handler: async ({ params, principal }) => {
          const view = await tx(async (db) => {
            const inc = await getIncidentByNumber(db, incidentNumberParam(params.ref));
            const r = await escalateNow(db, rt, inc, actor(principal), ctx.clock.now());
            return escalationView(db, rt, r.incident, ctx.clock.now());
          });
          ctx.worker?.poke();
          return view;
        },
      }),
    ];
  };
}
