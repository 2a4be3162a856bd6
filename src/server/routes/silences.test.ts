import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.ts';
import { storeFactories } from '../../store/testing.ts';
import { expireOnResolveHandler } from '../../pipeline/silence-jobs.ts';
import { createTestApp, TEST_KEY, type TestApp } from '../testing.ts';
import { silenceRoutes } from './silences.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const MIN = 60_000;

interface Gettable {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  updatedAt: string;
}

describe.each(storeFactories())('silences over HTTP on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let responder: string;
  let viewer: string;
  beforeEach(async () => {
    store = await factory.open();
    t = await createTestApp(store, { extra: [silenceRoutes] });
    responder = await t.token('responder');
    viewer = await t.token('viewer');
  });
  afterEach(async () => {
    await t.close();
    await store.close();
  });

  const at = (offsetMs: number) => new Date(t.clock.now() + offsetMs).toISOString();
  const amSilence = (over: Record<string, unknown> = {}) => ({
    matchers: [
      { name: 'instance', value: 'gpu-8:9400', isRegex: false, isEqual: true },
      { name: 'alertname', value: 'GPU.*', isRegex: true },
    ],
    startsAt: at(0),
    endsAt: at(120 * MIN),
    createdBy: 'oncall@example.com',
    comment: 'driver upgrade on gpu-8',
    ...over,
  });
  const post = (payload: unknown, token = responder, url = '/api/v2/silences') =>
    t.app.inject({ method: 'POST', url, headers: auth(token), payload: payload as object });
  const get = (url: string, token = viewer) => t.app.inject({ method: 'GET', url, headers: auth(token) });

  it('creates, gets, lists and expires a silence in Alertmanager v2 shape', async () => {
    const res = await post(amSilence());
    expect(res.statusCode).toBe(200);
    const { silenceID } = res.json<{ silenceID: string }>();
    expect(silenceID).toMatch(/^[0-9a-f-]{36}$/);

    const one = await get(`/api/v2/silence/${silenceID}`);
    expect(one.json()).toEqual({
      id: silenceID,
      status: { state: 'active' },
      updatedAt: at(0),
      matchers: [
        { name: 'instance', value: 'gpu-8:9400', isRegex: false, isEqual: true },
        { name: 'alertname', value: 'GPU.*', isRegex: true, isEqual: true },
      ],
      startsAt: at(0),
      endsAt: at(120 * MIN),
      createdBy: 'oncall@example.com',
      comment: 'driver upgrade on gpu-8',
    });

    await post(amSilence({ matchers: [{ name: 'team', value: 'ml', isRegex: false }] }));
    const filtered = await get(`/api/v2/silences?filter=${encodeURIComponent('instance="gpu-8:9400"')}`);
    expect(filtered.json<Gettable[]>().map((s) => s.id)).toEqual([silenceID]);
    expect((await get('/api/v2/silences')).json<Gettable[]>()).toHaveLength(2);

    t.clock.advance(MIN);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v2/silence/${silenceID}`,
      headers: auth(responder),
    });
    expect(del.statusCode).toBe(200);
    const after = (await get(`/api/v2/silence/${silenceID}`)).json<Gettable>();
    expect(after.status.state).toBe('expired');
    expect(after.endsAt).toBe(at(0));
    const again = await t.app.inject({
      method: 'DELETE',
      url: `/api/v2/silence/${silenceID}`,
      headers: auth(responder),
    });
    expect(again.statusCode).toBe(409);
    expect((await get('/api/v2/silence/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
  });

  it('updates in place when matchers are unchanged; otherwise a new id and the old one expired', async () => {
    const id = (await post(amSilence())).json<{ silenceID: string }>().silenceID;
    const same = await post(amSilence({ id, endsAt: at(240 * MIN), comment: 'longer' }));
    expect(same.json()).toEqual({ silenceID: id });
    expect((await get(`/api/v2/silence/${id}`)).json<Gettable>()).toMatchObject({
      comment: 'longer',
      endsAt: at(240 * MIN),
    });
    const changed = await post(
      amSilence({ id, matchers: [{ name: 'instance', value: 'gpu-9', isRegex: false }] }),
    );
    const newId = changed.json<{ silenceID: string }>().silenceID;
    expect(newId).not.toBe(id);
    expect((await get(`/api/v2/silence/${id}`)).json<Gettable>().status.state).toBe('expired');
    expect((await get(`/api/v2/silence/${newId}`)).json<Gettable>().status.state).toBe('active');
    expect((await post(amSilence({ id: 'no-such-silence' }))).statusCode).toBe(404);
  });

  it('answers 400 naming the field, as a JSON string the way Alertmanager (and amtool) expect', async () => {
    const empty = await post(amSilence({ matchers: [{ name: 'alertname', value: '.*', isRegex: true }] }));
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toBe(
      'invalid silence: body.matchers: at least one matcher must not match the empty string',
    );
    const bad = await post(amSilence({ endsAt: 'tomorrow', comment: 3 }));
    expect(bad.statusCode).toBe(400);
    expect(bad.json<string>()).toMatch(
      /^invalid silence: body\.endsAt: must be an RFC 3339 time.*; body\.comment: /,
    );
    const order = await post(amSilence({ endsAt: at(-MIN), comment: '' }));
    expect(order.json()).toBe(
      'invalid silence: body.endsAt: endsAt must be after startsAt; body.comment: comment is required',
    );
    const regex = await post(amSilence({ matchers: [{ name: 'a', value: '(', isRegex: true }] }));
    expect(regex.json<string>()).toMatch(/^invalid silence: body\.matchers\[0\]\.value: /);
    const missing = await post({ comment: 'x' });
    expect(missing.json<string>()).toMatch(/body\.matchers: .*; body\.endsAt: /);
    const filter = await get(`/api/v2/silences?filter=${encodeURIComponent('a=~"("')}`);
    expect([filter.statusCode, typeof filter.json()]).toEqual([400, 'string']);
    expect((await get('/api/v2/silence/nope')).json()).toBe('no silence nope');
  });

  it('needs viewer to read and responder to write', async () => {
    expect((await post(amSilence(), viewer)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v2/silences' })).statusCode).toBe(401);
    expect((await post(amSilence(), viewer, '/api/v1/silences')).statusCode).toBe(403);
    expect((await get('/api/v1/silences')).statusCode).toBe(200);
  });

  it('shows silenced alerts as suppressed and honours the active and silenced flags', async () => {
    const alerts = ['gpu-8:9400', 'gpu-9:9400'].map((instance) => ({
      labels: { alertname: 'GPUMemoryHigh', service: 'training', instance },
      startsAt: at(-MIN),
      endsAt: at(10 * MIN),
    }));
    const ing = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: auth(TEST_KEY),
      payload: alerts,
    });
    expect(ing.statusCode).toBe(200);
    const id = (await post(amSilence())).json<{ silenceID: string }>().silenceID;
    type A = { labels: Record<string, string>; status: { state: string; silencedBy: string[] } };
    const states = async (q = '') =>
      (await get(`/api/v2/alerts${q}`))
        .json<A[]>()
        .map((a) => [a.labels['instance'], a.status.state, a.status.silencedBy])
        .sort();
    expect(await states()).toEqual([
      ['gpu-8:9400', 'suppressed', [id]],
      ['gpu-9:9400', 'active', []],
    ]);
    expect(await states('?silenced=false')).toEqual([['gpu-9:9400', 'active', []]]);
    expect(await states('?active=false')).toEqual([['gpu-8:9400', 'suppressed', [id]]]);
    expect(await states('?active=false&silenced=false')).toEqual([]);
    const groups = (await get('/api/v2/alerts/groups?silenced=false')).json<Array<{ alerts: A[] }>>();
    expect(groups.flatMap((g) => g.alerts.map((a) => a.labels['instance']))).toEqual(['gpu-9:9400']);

    // A pending silence does not suppress yet.
    await post(
      amSilence({
        matchers: [{ name: 'instance', value: 'gpu-9:9400', isRegex: false }],
        startsAt: at(5 * MIN),
      }),
    );
    expect((await states()).map((r) => r[1])).toEqual(['suppressed', 'active']);
    t.clock.advance(5 * MIN);
    expect((await states()).map((r) => r[1])).toEqual(['suppressed', 'suppressed']);
  });

  it('v1: matcher text, duration, vigil additions, state filter, expire', async () => {
    const res = await post(
      {
        matchers: ['alertname="GPUDown"', 'instance=~"gpu-.*"'],
        duration: '2h',
        comment: 'reboot',
        expire_on_resolve: true,
        notify_resolved_on_end: true,
      },
      responder,
      '/api/v1/silences',
    );
    expect(res.statusCode).toBe(201);
    const s = res.json<Gettable & { expire_on_resolve: boolean; notify_resolved_on_end: boolean }>();
    expect(s).toMatchObject({
      status: { state: 'active' },
      matchers: [
        { name: 'alertname', value: 'GPUDown', isRegex: false, isEqual: true },
        { name: 'instance', value: 'gpu-.*', isRegex: true, isEqual: true },
      ],
      startsAt: at(0),
      endsAt: at(120 * MIN),
      createdBy: 'test-responder',
      expire_on_resolve: true,
      notify_resolved_on_end: true,
    });
    expect((await get(`/api/v1/silences/${s.id}`)).json()).toEqual(s);
    const list = await get('/api/v1/silences?state=active');
    expect(list.json<{ silences: Gettable[] }>().silences.map((x) => x.id)).toEqual([s.id]);
    expect((await get('/api/v1/silences?state=expired')).json<{ silences: unknown[] }>().silences).toEqual(
      [],
    );
    expect((await get('/api/v1/silences?state=bogus')).statusCode).toBe(400);

    const bad = await post({ matchers: ['alertname=~"("'], comment: 'x' }, responder, '/api/v1/silences');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field)).toEqual([
      'body.endsAt',
    ]);
    const badMatcher = await post(
      { matchers: ['alertname=~"("'], duration: '1h', comment: 'x' },
      responder,
      '/api/v1/silences',
    );
    expect(badMatcher.json<{ errors: Array<{ field: string }> }>().errors[0]?.field).toBe('body.matchers[0]');

    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/silences/${s.id}`,
      headers: auth(responder),
    });
    expect(del.json()).toMatchObject({ id: s.id, status: { state: 'expired' } });
  });

  it('v1 expire_on_resolve: the worker expires the silence once its alert resolves', async () => {
    const alert = {
      labels: { alertname: 'GPUDown', service: 'training' },
      startsAt: at(-MIN),
      endsAt: at(3 * MIN),
    };
    await t.app.inject({ method: 'POST', url: '/api/v2/alerts', headers: auth(TEST_KEY), payload: [alert] });
    const s = (
      await post(
        {
          matchers: ['alertname="GPUDown"'],
          duration: '2h',
          comment: 'until fixed',
          expire_on_resolve: true,
        },
        responder,
        '/api/v1/silences',
      )
    ).json<Gettable>();
    t.worker.on('silence.expire_on_resolve', expireOnResolveHandler);
    await t.worker.runDue();
    expect((await get(`/api/v1/silences/${s.id}`)).json<Gettable>().status.state).toBe('active');
    t.clock.advance(3 * MIN);
    await t.worker.runDue();
    expect((await get(`/api/v1/silences/${s.id}`)).json<Gettable>()).toMatchObject({
      status: { state: 'expired' },
      endsAt: at(0),
    });
  });
});
