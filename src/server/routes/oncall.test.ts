import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.ts';
import { storeFactories } from '../../store/testing.ts';
import { ONCALL_TEST_CONFIG as ONCALL_CONFIG } from '../../oncall/testing.ts';
import { createTestApp, type TestApp } from '../testing.ts';
import { oncallRoutes } from './oncall.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

interface ShiftJson {
  start: string;
  end: string;
  users: string[];
  layer: string | null;
  reason: string;
}

function parseCalendar(text: string): { start: number; end: number; summary: string }[] {
  const comp = new ICAL.Component(ICAL.parse(text));
  return comp.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      start: e.startDate.toJSDate().getTime(),
      end: e.endDate.toJSDate().getTime(),
      summary: e.summary,
    };
  });
}

describe.each(storeFactories())('on-call over HTTP on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let viewer: string;
  let responder: string;
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store, { configText: ONCALL_CONFIG, extra: [oncallRoutes] });
    viewer = await t.token('viewer');
    responder = await t.token('responder');
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });
  const get = (url: string, token = viewer) => t.app.inject({ method: 'GET', url, headers: auth(token) });
  const post = (url: string, payload: object, token = responder) =>
    t.app.inject({ method: 'POST', url, headers: auth(token), payload });

  it('answers who is on call now and at a given time, with the next person and the backup', async () => {
    const now = await get('/api/v1/oncall?schedule=ml-platform');
    expect(now.statusCode).toBe(200);
    expect(now.json()).toEqual({
      schedule: 'ml-platform',
      at: '2026-11-27T10:00:00.000Z',
      users: ['bob'],
      shift: {
        start: '2026-11-27T09:00:00.000Z',
        end: '2026-11-28T09:00:00.000Z',
        users: ['bob'],
        layer: 'primary',
        reason: 'rotation',
      },
      next: {
        start: '2026-11-28T09:00:00.000Z',
        end: '2026-11-29T09:00:00.000Z',
        users: ['carol'],
        layer: 'primary',
        reason: 'rotation',
      },
      backup: { users: ['carol'], why: 'next-in-rotation', layer: 'primary' },
    });
    const later = await get('/api/v1/oncall?schedule=ml-platform&at=2026-11-29T12:00:00Z');
    expect(later.json<{ users: string[] }>().users).toEqual(['alice']);

    expect((await get('/api/v1/oncall?schedule=nope')).statusCode).toBe(404);
    const bad = await get('/api/v1/oncall?at=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field)
        .sort(),
    ).toEqual(['query.at', 'query.schedule']);
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/oncall?schedule=ml-platform' });
    expect(anon.statusCode).toBe(401);
  });

  it('lists schedules and shifts', async () => {
    const list = await get('/api/v1/schedules');
    expect(list.json()).toEqual({
      schedules: [
        {
          id: 'ml-platform',
          name: 'ML platform',
          timeZone: 'UTC',
          layers: [{ name: 'primary', role: 'primary' }],
          members: ['alice', 'bob', 'carol'],
          onCallNow: ['bob'],
        },
      ],
    });
    const res = await get(
      '/api/v1/schedules/ml-platform/shifts?from=2026-11-27T00:00:00Z&to=2026-11-29T00:00:00Z',
    );
    expect(res.statusCode).toBe(200);
    const shifts = res.json<{ shifts: ShiftJson[] }>().shifts;
    expect(shifts.map((s) => [s.start, s.end, s.users.join()])).toEqual([
      ['2026-11-27T00:00:00.000Z', '2026-11-27T09:00:00.000Z', 'alice'],
      ['2026-11-27T09:00:00.000Z', '2026-11-28T09:00:00.000Z', 'bob'],
      ['2026-11-28T09:00:00.000Z', '2026-11-29T00:00:00.000Z', 'carol'],
    ]);
    const backwards = await get(
      '/api/v1/schedules/ml-platform/shifts?from=2026-11-29T00:00:00Z&to=2026-11-27T00:00:00Z',
    );
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.to');
  });

  it('creates, applies, lists and deletes runtime overrides', async () => {
    const created = await post('/api/v1/schedules/ml-platform/overrides', {
      user: 'dave',
      replaces: 'bob',
      start: '2026-11-27T12:00:00Z',
      end: '2026-11-27T18:00:00Z',
      note: 'dentist',
    });
    expect(created.statusCode).toBe(201);
    const o = created.json<{ id: string; kind: string; createdBy: string }>();
    expect(o).toMatchObject({ kind: 'replace', createdBy: 'test-responder' });

    const who = await get('/api/v1/oncall?schedule=ml-platform&at=2026-11-27T13:00:00Z');
    expect(who.json()).toMatchObject({
      users: ['dave'],
      shift: { start: '2026-11-27T12:00:00.000Z', end: '2026-11-27T18:00:00.000Z', reason: 'override' },
    });
    const listed = await get('/api/v1/schedules/ml-platform/overrides');
    expect(listed.json<{ overrides: { id: string; note: string }[] }>().overrides).toMatchObject([
      { id: o.id, note: 'dentist' },
    ]);
    // Planning notices for the change committed with it.
    const jobs = await store.db.selectFrom('jobs').select(['kind', 'key']).execute();
    expect(jobs.map((j) => j.kind)).toContain('oncall.shift_changed');
    expect(jobs.map((j) => j.key)).toContain(`handoff:ml-platform:${Date.parse('2026-11-27T12:00:00Z')}`);

    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/schedules/ml-platform/overrides/${o.id}`,
          headers: auth(viewer),
        })
      ).statusCode,
    ).toBe(403);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/schedules/ml-platform/overrides/${o.id}`,
      headers: auth(responder),
    });
    expect(del.statusCode).toBe(200);
    const after = await get('/api/v1/oncall?schedule=ml-platform&at=2026-11-27T13:00:00Z');
    expect(after.json<{ users: string[] }>().users).toEqual(['bob']);
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/schedules/ml-platform/overrides/${o.id}`,
      headers: auth(responder),
    });
    expect(again.statusCode).toBe(404);
  });

  it('rejects bad overrides with a 400 naming the field', async () => {
    const url = '/api/v1/schedules/ml-platform/overrides';
    const fields = async (payload: object): Promise<string[]> => {
      const res = await post(url, payload);
      expect(res.statusCode).toBe(400);
      return res
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field)
        .sort();
    };
    expect(await fields({ user: 'zed', start: '2026-12-01T00:00:00Z', end: '2026-12-02T00:00:00Z' })).toEqual(
      ['body.user'],
    );
    expect(
      await fields({ user: 'dave', start: '2026-12-02T00:00:00Z', end: '2026-12-01T00:00:00Z' }),
    ).toEqual(['body.end']);
    expect(await fields({ user: 'dave', start: 'soon', end: 'later' })).toEqual(['body.end', 'body.start']);
    expect(
      await fields({
        kind: 'replace',
        user: 'dave',
        start: '2026-12-01T00:00:00Z',
        end: '2026-12-02T00:00:00Z',
      }),
    ).toEqual(['body.replaces']);
    const ok = await post(url, {
      kind: 'add',
      user: 'dave',
      start: '2026-12-01T00:00:00Z',
      end: '2026-12-02T00:00:00Z',
    });
    expect(ok.statusCode).toBe(201);
    const overlap = await post(url, {
      user: 'dave',
      replaces: 'alice',
      start: '2026-12-01T12:00:00Z',
      end: '2026-12-03T00:00:00Z',
    });
    expect(overlap.statusCode).toBe(400);
    expect(overlap.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
      { field: 'body.start', message: expect.stringContaining('same user dave') as string },
    ]);
    expect(
      (
        await post('/api/v1/schedules/nope/overrides', {
          user: 'dave',
          start: '2026-12-01T00:00:00Z',
          end: '2026-12-02T00:00:00Z',
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await post(url, { user: 'dave', start: '2026-12-05T00:00:00Z', end: '2026-12-06T00:00:00Z' }, viewer))
        .statusCode,
    ).toBe(403);
  });

  it('serves iCal feeds that match the shifts listing, only with the right token', async () => {
    await post('/api/v1/schedules/ml-platform/overrides', {
      user: 'dave',
      replaces: 'carol',
      start: '2026-11-28T12:00:00Z',
      end: '2026-11-28T18:00:00Z',
    });
    const urlRes = await get('/api/v1/schedules/ml-platform/ical-url');
    expect(urlRes.statusCode).toBe(200);
    const { url, webcal } = urlRes.json<{ url: string; webcal: string }>();
    expect(url).toMatch(/^http:\/\/vigil\.test\/api\/v1\/schedules\/ml-platform\/ical\?token=[\w-]{43}$/);
    expect(webcal.startsWith('webcal://vigil.test/')).toBe(true);
    const path = url.replace('http://vigil.test', '');

    const feed = await t.app.inject({ method: 'GET', url: path });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const events = parseCalendar(feed.body);
    const now = t.clock.now();
    const from = new Date(now - 15 * 86_400_000).toISOString();
    const to = new Date(now + 180 * 86_400_000).toISOString();
    const listing = (await get(`/api/v1/schedules/ml-platform/shifts?from=${from}&to=${to}`))
      .json<{ shifts: ShiftJson[] }>()
      .shifts.filter((s) => s.users.length > 0);
    expect(events.map((e) => [e.start, e.end])).toEqual(
      listing.map((s) => [Date.parse(s.start), Date.parse(s.end)]),
    );
    expect(events.some((e) => e.summary === 'On call: Dave (ML platform)')).toBe(true);

    const notFound = await get('/api/v1/schedules/nope/ical?token=x');
    for (const bad of [
      path.replace(/token=.*/, 'token=wrong'),
      path.replace(/\?token=.*/, ''),
      path.replace('ml-platform', 'nope'),
    ]) {
      const res = await t.app.inject({ method: 'GET', url: bad });
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe(notFound.body);
      expect(res.body).not.toContain('token');
    }

    const userUrl = (await get('/api/v1/users/dave/ical-url')).json<{ url: string }>().url;
    const userFeed = await t.app.inject({ method: 'GET', url: userUrl.replace('http://vigil.test', '') });
    expect(userFeed.statusCode).toBe(200);
    expect(
      parseCalendar(userFeed.body).map((e) => [
        new Date(e.start).toISOString(),
        new Date(e.end).toISOString(),
      ]),
    ).toEqual([['2026-11-28T12:00:00.000Z', '2026-11-28T18:00:00.000Z']]);
    // A schedule token does not open the user feed of the same id and vice versa.
    const token = path.split('token=')[1] ?? '';
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/users/dave/ical?token=${token}` })).statusCode,
    ).toBe(404);
    expect((await get('/api/v1/users/nobody/ical-url')).statusCode).toBe(404);
  });

  it('reports burden per person and schedule, counting pages from the outbox and the timeline', async () => {
    const inc = await post('/api/v1/incidents', { title: 'GPU fire' });
    expect(inc.statusCode).toBe(201);
    const incident = await store.db
      .selectFrom('incidents')
      .select(['id', 'number'])
      .executeTakeFirstOrThrow();
    const at = Date.parse('2026-11-27T03:00:00Z'); // 21:00 in Chicago (off hours), 04:00 in Berlin
    const outbox = (key: string, user: string, dueAt: number) => ({
      key,
      incident: `INC-${incident.number}`,
      event: 'triggered',
      user_id: user,
      channel_id: 'sms',
      channel_type: 'sms',
      destination: 'x',
      payload_size: 2,
      status: 'delivered',
      scheduled_at: dueAt,
      next_attempt_at: dueAt,
      attempts: 1,
      created_at: dueAt,
    });
    await store.db
      .withTables<{ notify_outbox: ReturnType<typeof outbox> }>()
      .insertInto('notify_outbox')
      .values([
        outbox(`INC-${incident.number}:triggered:bob:sms:0`, 'bob', at),
        outbox(`INC-${incident.number}:triggered:bob:call:1`, 'bob', at + 300_000),
      ])
      .execute();
    await store.db
      .insertInto('incident_timeline')
      .values(
        [[{ user: 'bob', via: 'schedule:ml-platform', why: 'on call' }], ['alice']].map((users) => ({
          incident_id: incident.id,
          at,
          type: 'escalation.level_fired',
          actor: 'vigil',
          data: JSON.stringify({ level: 0, users }),
        })),
      )
      .execute();

    const res = await get('/api/v1/oncall/report?period=last_7_days');
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      period: { from: string; to: string };
      pages: number;
      people: { user: string; hoursOnCall: number; pages: number; interruptions: Record<string, number> }[];
      schedules: { scheduleId: string; hoursCovered: number; hoursUncovered: number }[];
    }>();
    expect(body.period).toMatchObject({ from: '2026-11-20T10:00:00.000Z', to: '2026-11-27T10:00:00.000Z' });
    expect(body.pages).toBe(2);
    const bob = body.people.find((p) => p.user === 'bob');
    expect(bob).toMatchObject({ pages: 1, interruptions: { business: 0, offHours: 1, sleep: 0 } });
    expect(body.people.find((p) => p.user === 'alice')).toMatchObject({
      pages: 1,
      interruptions: { sleep: 1 },
    });
    // From Monday 09:00 to Friday 10:00: 97 h covered, 71 h before the rotation started.
    expect(body.schedules[0]).toMatchObject({
      scheduleId: 'ml-platform',
      hoursCovered: 97,
      hoursUncovered: 71,
    });
    expect(body.people.map((p) => p.hoursOnCall)).toEqual([48, 25, 24, 0]);

    const range = await get('/api/v1/oncall/report?period=2026-11-23T09:00:00Z..2026-11-24T09:00:00Z');
    expect(range.json<{ people: { user: string; hoursOnCall: number }[] }>().people[0]).toEqual(
      expect.objectContaining({ user: 'alice', hoursOnCall: 24 }),
    );
    const bad = await get('/api/v1/oncall/report?period=fortnight');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('query.period');
  });
});
