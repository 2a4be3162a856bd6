import { z } from 'zod';
import { backupAt } from '../../oncall/backup.ts';
import { oncallCatalog } from '../../oncall/catalog.ts';
import { verifyFeedToken, makeFeedToken, type FeedSubject } from '../../oncall/feed-token.ts';
import { feedSecret } from '../../oncall/feed-secret.ts';
import { overrideNoticeHook, type HandoffOptions } from '../../oncall/handoff-jobs.ts';
import { scheduleCalendar, userCalendar } from '../../oncall/ical.ts';
import type { Shift } from '../../oncall/model.ts';
import {
  createOverride,
  deleteOverride,
  listOverrides,
  pureOverride,
  type StoredOverride,
} from '../../oncall/override-store.ts';
import { buildReport, parsePeriod } from '../../oncall/report.ts';
import { shifts } from '../../oncall/resolve.ts';
import { whoIsOnCall } from '../../oncall/who.ts';
import { VigilError } from '../../shared/errors.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../route.ts';
import { timeParam } from './params.ts';

const DAY = 86_400_000;
/** iCal feeds cover 15 days back to 180 days ahead (as Grafana OnCall's). */
const FEED_BACK_MS = 15 * DAY;
const FEED_AHEAD_MS = 180 * DAY;
const MAX_RANGE_MS = 366 * DAY;

const iso = (ms: number): string => new Date(ms).toISOString();

const shiftSchema = z.object({
  start: z.string(),
  end: z.string(),
  users: z.array(z.string()),
  layer: z.string().nullable(),
  reason: z.enum(['rotation', 'override', 'temporary', 'cover-for-vacation', 'none']),
  coveringFor: z.array(z.string()).optional(),
  overrideIds: z.array(z.string()).optional(),
});
type ShiftView = z.infer<typeof shiftSchema>;

function shiftView(s: Shift): ShiftView {
  return {
    start: iso(s.start),
    end: iso(s.end),
    users: [...s.users],
    layer: s.layer,
    reason: s.reason,
    ...(s.coveringFor ? { coveringFor: [...s.coveringFor] } : {}),
    ...(s.overrideIds ? { overrideIds: [...s.overrideIds] } : {}),
  };
}

const overrideSchema = z.object({
  id: z.string(),
  schedule: z.string(),
  kind: z.enum(['replace', 'take_over', 'add', 'remove']),
  user: z.string().optional(),
  replaces: z.string().optional(),
  start: z.string(),
  end: z.string(),
  note: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});

function overrideView(o: StoredOverride): z.infer<typeof overrideSchema> {
  return {
    id: o.id,
    schedule: o.scheduleId,
    kind: o.kind,
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.replaces !== undefined ? { replaces: o.replaces } : {}),
    start: iso(o.start),
    end: iso(o.end),
    note: o.note,
    createdBy: o.createdBy,
    createdAt: iso(o.createdAt),
  };
}

/** Options of the on-call routes: the handoff collaborators and the environment for the feed secret. */
export interface OncallRouteOptions extends HandoffOptions {
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

const idParams = z.object({ id: z.string().min(1).max(128) });
const tokenQuery = z.object({ token: z.string().max(200).default('') });

/**
 * On-call at run time under /api/v1: who is on call, schedules and their shifts, runtime
 * overrides, iCal subscription feeds (public, authenticated by a per-feed secret token) and the
 * on-call burden report. See docs/oncall.md.
 */
export function oncallRoutes(ctx: AppContext, deps: OncallRouteOptions = {}): AnyRoute[] {
  const catalog = oncallCatalog(ctx.loaded);
  const now = (): number => ctx.clock.now();
  const secret = (): Promise<string> => feedSecret(ctx.store.db, now(), deps.env ?? process.env);
  const onChange = overrideNoticeHook(ctx.loaded, now, deps);
  const runtime = async (id: string) => (await listOverrides(ctx.store.db, id)).map(pureOverride);
  const feedUrl = async (subject: FeedSubject): Promise<string> => {
    const token = makeFeedToken(await secret(), subject);
    const path = subject.kind === 'schedule' ? 'schedules' : 'users';
    return `${ctx.externalUrl.replace(/\/+$/, '')}/api/v1/${path}/${encodeURIComponent(subject.id)}/ical?token=${token}`;
  };
  /** One answer for an unknown feed and a wrong token, so neither leaks which it was. */
  const checkFeed = async (subject: FeedSubject, token: string, exists: boolean): Promise<void> => {
    const ok = verifyFeedToken(await secret(), subject, token);
    if (!exists || !ok)
      throw new VigilError('not_found', 'no such calendar feed (check the subscription URL)');
  };
  const calendarReply = (reply: { header(k: string, v: string): unknown }, text: string): string => {
    reply.header('content-type', 'text/calendar; charset=utf-8');
    reply.header('cache-control', 'private, max-age=300');
    return text;
  };

  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/schedules',
      summary: 'List schedules with who is on call now',
      tag: 'oncall',
      access: 'viewer',
      response: z.object({
        schedules: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            timeZone: z.string(),
            layers: z.array(z.object({ name: z.string(), role: z.enum(['primary', 'backup']) })),
            members: z.array(z.string()),
            onCallNow: z.array(z.string()),
          }),
        ),
      }),
      handler: async () => {
        const t = now();
        const out = [];
        for (const [id, def] of catalog.schedules) {
          out.push({
            id,
            name: catalog.configs.get(id)?.name ?? id,
            timeZone: def.timeZone,
            layers: def.layers.map((l) => ({ name: l.name, role: l.role })),
            members: catalog.members(id),
            onCallNow: [...whoIsOnCall(def, await runtime(id), t, { next: false }).users],
          });
        }
        return { schedules: out };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/oncall',
      summary: 'Who is on call in a schedule at an instant (default now), the next person and the backup',
      tag: 'oncall',
      access: 'viewer',
      query: z.object({ schedule: z.string().min(1), at: timeParam.optional() }),
      response: z.object({
        schedule: z.string(),
        at: z.string(),
        users: z.array(z.string()),
        shift: shiftSchema,
        next: shiftSchema.nullable(),
        backup: z.object({
          users: z.array(z.string()),
          why: z.enum(['backup-layer', 'next-in-rotation', 'none']),
          layer: z.string().nullable(),
        }),
      }),
      handler: async ({ query }) => {
        const def = catalog.schedule(query.schedule);
        const at = query.at ?? now();
        const ovs = await runtime(def.id);
        const who = whoIsOnCall(def, ovs, at);
        const backup = backupAt(def, ovs, at);
        return {
          schedule: def.id,
          at: iso(at),
          users: [...who.users],
          shift: shiftView(who.shift),
          next: who.next ? shiftView(who.next) : null,
          backup: { users: [...backup.users], why: backup.why, layer: backup.layer },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/schedules/:id/shifts',
      summary: 'The final shifts of a schedule in [from, to) (default: the next 7 days), gaps included',
      tag: 'oncall',
      access: 'viewer',
      params: idParams,
      query: z.object({ from: timeParam.optional(), to: timeParam.optional() }),
      response: z.object({
        schedule: z.string(),
        from: z.string(),
        to: z.string(),
        shifts: z.array(shiftSchema),
      }),
      handler: async ({ params, query }) => {
        const def = catalog.schedule(params.id);
        const from = query.from ?? now();
        const to = query.to ?? from + 7 * DAY;
        if (!(to > from) || to - from > MAX_RANGE_MS)
          throw new VigilError('validation_failed', 'bad range', [
            { field: 'query.to', message: 'to must be after from and at most 366 days later' },
          ]);
        const list = shifts(def, await runtime(def.id), from, to);
        return { schedule: def.id, from: iso(from), to: iso(to), shifts: list.map(shiftView) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/schedules/:id/overrides',
      summary: 'List the runtime overrides of a schedule',
      tag: 'oncall',
      access: 'viewer',
      params: idParams,
      query: z.object({ from: timeParam.optional(), to: timeParam.optional() }),
      response: z.object({ overrides: z.array(overrideSchema) }),
      handler: async ({ params, query }) => {
        const def = catalog.schedule(params.id);
        return { overrides: (await listOverrides(ctx.store.db, def.id, query)).map(overrideView) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/schedules/:id/overrides',
      summary: 'Create a runtime override (replace, take_over, add or remove)',
      tag: 'oncall',
      access: 'responder',
      status: 201,
      params: idParams,
      body: z.object({
        kind: z.enum(['replace', 'take_over', 'add', 'remove']).optional(),
        user: z.string().min(1).max(128).optional(),
        replaces: z.string().min(1).max(128).optional(),
        start: timeParam,
        end: timeParam,
        note: z.string().max(1000).optional(),
      }),
      response: overrideSchema,
      handler: async ({ params, body, principal }) => {
        const stored = await createOverride(ctx.store, catalog, params.id, body, {
          now: now(),
          createdBy: principal?.name ?? 'anonymous',
          onChange,
        });
        ctx.worker?.poke();
        return overrideView(stored);
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/schedules/:id/overrides/:overrideId',
      summary: 'Delete a runtime override',
      tag: 'oncall',
      access: 'responder',
      params: z.object({ id: z.string().min(1).max(128), overrideId: z.string().min(1).max(64) }),
      response: overrideSchema,
      handler: async ({ params }) => {
        catalog.schedule(params.id);
        const deleted = await deleteOverride(ctx.store, params.id, params.overrideId, { onChange });
        ctx.worker?.poke();
        return overrideView(deleted);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/schedules/:id/ical',
      summary: 'iCalendar feed of a schedule (public; authenticated by the token in the URL)',
      tag: 'oncall',
      access: 'public',
      params: idParams,
      query: tokenQuery,
      handler: async ({ params, query, reply }) => {
        const def = catalog.schedules.get(params.id);
        await checkFeed({ kind: 'schedule', id: params.id }, query.token, def !== undefined);
        if (!def) return null;
        const t = now();
        const list = shifts(def, await runtime(def.id), t - FEED_BACK_MS, t + FEED_AHEAD_MS);
        const name = catalog.configs.get(def.id)?.name ?? def.id;
        return calendarReply(
          reply,
          scheduleCalendar(name, list, { generatedAt: t, displayName: (u) => catalog.displayName(u) }),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id/ical',
      summary: "iCalendar feed of a user's shifts in every schedule (public; token in the URL)",
      tag: 'oncall',
      access: 'public',
      params: idParams,
      query: tokenQuery,
      handler: async ({ params, query, reply }) => {
        const known = catalog.users ? catalog.users.has(params.id) : true;
        await checkFeed({ kind: 'user', id: params.id }, query.token, known);
        const t = now();
        const all: Shift[] = [];
        for (const [id, def] of catalog.schedules)
          all.push(...shifts(def, await runtime(id), t - FEED_BACK_MS, t + FEED_AHEAD_MS));
        return calendarReply(
          reply,
          userCalendar(params.id, all, { generatedAt: t, displayName: (u) => catalog.displayName(u) }),
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/schedules/:id/ical-url',
      summary: "The subscription URL of a schedule's iCalendar feed",
      tag: 'oncall',
      access: 'viewer',
      params: idParams,
      response: z.object({ url: z.string(), webcal: z.string() }),
      handler: async ({ params }) => {
        const def = catalog.schedule(params.id);
        const url = await feedUrl({ kind: 'schedule', id: def.id });
        return { url, webcal: url.replace(/^https?:/, 'webcal:') };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/users/:id/ical-url',
      summary: "The subscription URL of a user's iCalendar feed",
      tag: 'oncall',
      access: 'viewer',
      params: idParams,
      response: z.object({ url: z.string(), webcal: z.string() }),
      handler: async ({ params }) => {
        if (catalog.users && !catalog.users.has(params.id))
          throw new VigilError('not_found', `no user "${params.id}"`);
        const url = await feedUrl({ kind: 'user', id: params.id });
        return { url, webcal: url.replace(/^https?:/, 'webcal:') };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/oncall/report',
      summary: 'On-call burden per person and per schedule (hours, pages, interruptions, fairness)',
      tag: 'oncall',
      access: 'viewer',
      query: z.object({
        period: z.string().default('last_30_days').describe('last_7_days, last_30_days or FROM..TO'),
      }),
      handler: async ({ query }) => buildReport(ctx.store.db, catalog, parsePeriod(query.period, now())),
    }),
  ];
}
