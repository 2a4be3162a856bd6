import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseMatchers, type Matcher } from '../../pipeline/matchers.ts';
import {
  expireSilenceById,
  listSilences,
  putSilence,
  requireSilence,
  type SilenceInput,
} from '../../pipeline/silence-store.ts';
import {
  silenceState,
  type Silence,
  type SilenceMatcher,
  type SilenceState,
} from '../../pipeline/silences.ts';
import { parseDuration } from '../../shared/duration.ts';
import { VigilError, formatIssues, type FieldIssue } from '../../shared/errors.ts';
import type { Db } from '../../store/db.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../route.ts';
import { timeParam } from './params.ts';

const STATES = ['pending', 'active', 'expired'] as const;

const matcherSchema = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true),
});

const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

/** Alertmanager's gettableSilence, the shape both APIs return. */
const gettableSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(STATES) }),
  updatedAt: z.string(),
  matchers: z.array(
    z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean() }),
  ),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
});

/** vigil's silence: Alertmanager's plus `expire_on_resolve` and `notify_resolved_on_end`. */
const silenceViewSchema = gettableSchema.extend({
  expire_on_resolve: z.boolean(),
  notify_resolved_on_end: z.boolean(),
});

const iso = (ms: number): string => new Date(ms).toISOString();

function gettable(s: Silence, now: number): z.infer<typeof gettableSchema> {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: iso(s.updatedAt ?? s.startsAt),
    matchers: s.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      isRegex: m.isRegex,
      isEqual: m.isEqual ?? true,
    })),
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

function silenceView(s: Silence, now: number): z.infer<typeof silenceViewSchema> {
  return {
    ...gettable(s, now),
    expire_on_resolve: s.expireOnResolve ?? false,
    notify_resolved_on_end: s.notifyResolvedOnEnd ?? false,
  };
}

/** Re-raises a domain validation error with its fields under `body.`, as zod's errors are named. */
function underBody(err: unknown): never {
  if (err instanceof VigilError && err.code === 'validation_failed')
    throw new VigilError(
      err.code,
      err.message,
      err.issues.map((i) => ({ ...i, field: `body.${i.field}` })),
    );
  throw err;
}

/**
 * Alertmanager's API answers errors of the silence endpoints with a JSON string body (amtool
 * decodes it as one), so v2 renders a VigilError as `"message: field: problem; …"` with its status.
 */
async function amErrors(reply: FastifyReply, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof VigilError) || err.status >= 500) throw err;
    const detail = err.issues.length > 0 ? `: ${formatIssues(err.issues).replace(/\n/g, '; ')}` : '';
    return reply
      .code(err.status)
      .type('application/json')
      .send(JSON.stringify(`${err.message}${detail}`));
  }
}

/** Validates a v2 body by hand (the route takes it raw so errors can be Alertmanager-shaped). */
function parseV2Body(body: unknown): z.output<typeof v2Body> {
  const r = v2Body.safeParse(body);
  if (r.success) return r.data;
  throw new VigilError(
    'validation_failed',
    'invalid silence',
    r.error.issues.map((i) => ({
      field: ['body', ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
        .join('.')
        .replace(/\.\[/g, '['),
      message: i.message,
    })),
  );
}

function parseFilters(filters: readonly string[]): Matcher[] {
  return filters.flatMap((f, i) => {
    try {
      return parseMatchers(f);
    } catch (err) {
      throw new VigilError('validation_failed', 'bad filter', [
        { field: `query.filter[${i}]`, message: err instanceof Error ? err.message : String(err) },
      ]);
    }
  });
}

function toSilenceMatcher(m: Matcher): SilenceMatcher {
  return {
    name: m.name,
    value: m.value,
    isRegex: m.op === '=~' || m.op === '!~',
    isEqual: m.op === '=' || m.op === '=~',
  };
}

/**
 * Alertmanager's silence filter: every filter matcher must appear in the silence with the same
 * name, operator and value (a filter selects silences, it does not evaluate them against labels).
 */
function hasMatchers(s: Silence, filters: readonly Matcher[]): boolean {
  return filters.every((f) => {
    const want = toSilenceMatcher(f);
    return s.matchers.some(
      (m) =>
        m.name === want.name &&
        m.value === want.value &&
        m.isRegex === want.isRegex &&
        (m.isEqual ?? true) === want.isEqual,
    );
  });
}

const idParams = z.object({ id: z.string().min(1).describe('Silence id (UUID)') });

const v2Query = z.object({
  filter: listParam.describe('Matchers the silence must contain, e.g. alertname="X"; repeatable'),
});

const v2Body = z.object({
  id: z.string().optional(),
  matchers: z.array(matcherSchema),
  startsAt: timeParam.optional(),
  endsAt: timeParam,
  createdBy: z.string().default(''),
  comment: z.string().default(''),
});

const v1Query = z.object({
  state: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) =>
      v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean),
    )
    .pipe(z.array(z.enum(STATES)))
    .describe('Comma-separated states: pending, active, expired'),
  filter: listParam.describe('Matchers the silence must contain, e.g. alertname="X"; repeatable'),
});

const v1Body = z
  .object({
    id: z
      .string()
      .optional()
      .describe('Update this silence (Alertmanager rule: in place if matchers unchanged)'),
    matchers: z
      .array(z.union([z.string(), matcherSchema]))
      .describe('Matcher objects, or matcher text such as instance=~"gpu-.*"'),
    startsAt: timeParam.optional().describe('Default now; a past start is clamped to now'),
    endsAt: timeParam.optional(),
    duration: z.string().optional().describe('Instead of endsAt: e.g. 2h, 30m'),
    createdBy: z.string().optional().describe('Default: the caller'),
    comment: z.string().default(''),
    expire_on_resolve: z.boolean().default(false).describe('Expire once the matched alerts have resolved'),
    notify_resolved_on_end: z
      .boolean()
      .default(false)
      .describe('Send resolved notifications swallowed by the silence when it ends'),
  })
  .superRefine((v, c) => {
    if (v.endsAt === undefined && v.duration === undefined)
      c.addIssue({ code: 'custom', path: ['endsAt'], message: 'give endsAt or duration' });
    if (v.endsAt !== undefined && v.duration !== undefined)
      c.addIssue({ code: 'custom', path: ['duration'], message: 'give endsAt or duration, not both' });
  });

/** Turns v1's matchers (objects or matcher text) into silence matchers, naming a bad entry. */
function v1Matchers(list: ReadonlyArray<string | SilenceMatcher>): SilenceMatcher[] {
  const issues: FieldIssue[] = [];
  const out = list.flatMap((m, i) => {
    if (typeof m !== 'string') return [m];
    try {
      return parseMatchers(m).map(toSilenceMatcher);
    } catch (err) {
      issues.push({
        field: `body.matchers[${i}]`,
        message: err instanceof Error ? err.message : String(err),
      });
      return [];
    }
  });
  if (issues.length > 0) throw new VigilError('validation_failed', 'invalid silence', issues);
  return out;
}

/**
 * Silences over HTTP: Alertmanager API v2 (`/api/v2/silences`, `/api/v2/silence/:id`, so `amtool
 * silence add|query|expire` works against vigil) and vigil's `/api/v1/silences` with the
 * `expire_on_resolve` and `notify_resolved_on_end` additions. Reads need viewer, writes responder.
 */
export function silenceRoutes(ctx: AppContext): AnyRoute[] {
  const tx = <T>(fn: (db: Db) => Promise<T>): Promise<T> => ctx.store.db.transaction().execute(fn);
  const put = async (input: SilenceInput) => {
    const now = ctx.clock.now();
    const res = await tx((db) => putSilence(db, input, now)).catch(underBody);
    if (res.silence.expireOnResolve) ctx.worker?.poke();
    return res;
  };
  const list = async (states: readonly SilenceState[] | undefined, filter: readonly string[]) => {
    const matchers = parseFilters(filter);
    const now = ctx.clock.now();
    const all = await listSilences(ctx.store.db, now, states);
    return { now, silences: all.filter((s) => hasMatchers(s, matchers)) };
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v2/silences',
      summary: 'List silences (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      query: v2Query,
      handler: ({ query, reply }) =>
        amErrors(reply, async () => {
          const { now, silences } = await list(undefined, query.filter);
          return silences.map((s) => gettable(s, now));
        }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v2/silences',
      summary: 'Create or update a silence (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'responder',
      body: v2Body,
      rawBody: true,
      handler: ({ body, reply }) =>
        amErrors(reply, async () => {
          const { id, startsAt, ...rest } = parseV2Body(body);
          const res = await put({ ...rest, id, startsAt: startsAt ?? ctx.clock.now() });
          return { silenceID: res.silence.id };
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/silence/:id',
      summary: 'Get a silence (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      params: idParams,
      handler: ({ params, reply }) =>
        amErrors(reply, async () => gettable(await requireSilence(ctx.store.db, params.id), ctx.clock.now())),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v2/silence/:id',
      summary: 'Expire a silence now (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'responder',
      params: idParams,
      handler: ({ params, reply }) =>
        amErrors(reply, async () => {
          await tx((db) => expireSilenceById(db, params.id, ctx.clock.now()));
          return reply.code(200).send();
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/silences',
      summary: 'List silences, active first, with state and matcher filters',
      tag: 'silences',
      access: 'viewer',
      query: v1Query,
      response: z.object({ silences: z.array(silenceViewSchema) }),
      handler: async ({ query }) => {
        const { now, silences } = await list(query.state, query.filter);
        return { silences: silences.map((s) => silenceView(s, now)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/silences/:id',
      summary: 'Show a silence',
      tag: 'silences',
      access: 'viewer',
      params: idParams,
      response: silenceViewSchema,
      handler: async ({ params }) =>
        silenceView(await requireSilence(ctx.store.db, params.id), ctx.clock.now()),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/silences',
      summary: 'Create a silence (201) or update one by id (200, or 201 with a new id if matchers changed)',
      tag: 'silences',
      access: 'responder',
      body: v1Body,
      response: silenceViewSchema,
      handler: async ({ body, principal, reply }) => {
        const now = ctx.clock.now();
        const startsAt = body.startsAt ?? now;
        let endsAt = body.endsAt;
        if (body.duration !== undefined) {
          const ms = parseDuration(body.duration);
          if (ms === undefined || ms <= 0)
            throw new VigilError('validation_failed', 'invalid silence', [
              { field: 'body.duration', message: 'must be a positive duration such as 2h or 30m' },
            ]);
          endsAt = Math.max(startsAt, now) + ms;
        }
        const res = await put({
          id: body.id,
          matchers: v1Matchers(body.matchers),
          startsAt,
          endsAt: endsAt ?? now,
          createdBy: body.createdBy ?? principal?.name ?? 'anonymous',
          comment: body.comment,
          expireOnResolve: body.expire_on_resolve,
          notifyResolvedOnEnd: body.notify_resolved_on_end,
        });
        if (res.created) reply.code(201);
        return silenceView(res.silence, ctx.clock.now());
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/silences/:id',
      summary: 'Expire a silence now',
      tag: 'silences',
      access: 'responder',
      params: idParams,
      response: silenceViewSchema,
      handler: async ({ params }) => {
        const now = ctx.clock.now();
        return silenceView(await tx((db) => expireSilenceById(db, params.id, now)), now);
      },
    }),
  ];
}
