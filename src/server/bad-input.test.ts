import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.ts';
import { openTempSqlite } from '../store/testing.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from './testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };

describe('every bad input gets a clear 4xx, never a 5xx', () => {
  let store: Store;
  let t: TestApp;
  beforeAll(async () => {
    store = await openTempSqlite();
    t = await createTestApp(store, { configText: testConfigText('server:\n  body_limit: 64KiB\n') });
  });
  afterAll(async () => {
    await t.close();
    await store.close();
  });

  const endpoints = ['/api/v2/alerts', '/integrations/alertmanager', '/integrations/generic'];

  it.each(endpoints)('%s: malformed JSON is a 400 that says so', async (url) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...key, 'content-type': 'application/json' },
      payload: '[{"labels": {',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it.each(endpoints)('%s: a body over the limit is a 413', async (url) => {
    const big = JSON.stringify([{ labels: { alertname: 'x', pad: 'y'.repeat(70_000) } }]);
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...key, 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('payload_too_large');
  });

  it.each(endpoints)('%s: an unknown integration key is a 401 with a JSON error', async (url) => {
    const res = await t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: 'Bearer nope-nope-nope-nope' },
      payload: [],
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('a key in the path works for integrations, and a wrong one is refused', async () => {
    const ok = await t.app.inject({
      method: 'POST',
      url: `/integrations/generic/${TEST_KEY}`,
      payload: { name: 'A' },
    });
    expect(ok.statusCode).toBe(200);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/integrations/generic/not-the-key-at-all',
      payload: { name: 'A' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it.each([
    [{ labels: 'x' }, '[0].labels', 'must be an object'],
    [{}, '[0].labels', 'is required'],
    [{ labels: { a: '' } }, '[0].labels', 'at least one label'],
    [{ labels: { a: 'b' }, startsAt: 'yesterday' }, '[0].startsAt', 'RFC 3339'],
    [{ labels: { a: 'b' }, generatorURL: 5 }, '[0].generatorURL', 'must be a string'],
    [{ labels: { a: 'b' }, annotations: { s: ['x'] } }, '[0].annotations.s', 'must be a string'],
    [5, '[0]', 'must be an object'],
  ])('v2 alert %j is rejected naming %s', async (alert, field, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v2/alerts', headers: key, payload: [alert] });
    expect(res.statusCode).toBe(400);
    const err = (res.json().errors as Array<{ field: string; message: string }>)[0];
    expect(err?.field).toBe(field);
    expect(err?.message).toContain(message);
  });

  it('a v2 body that is not an array is a 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: { labels: { a: 'b' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].message).toContain('JSON array');
  });

  it('a webhook of another payload version is refused by name', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/integrations/alertmanager',
      headers: key,
      payload: { version: '3', alerts: [] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('version');
  });

  it('REST validation names every bad field at once', async () => {
    const viewer = await t.token('viewer');
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/incidents?status=open&limit=0&since=later',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(res.statusCode).toBe(400);
    const fields = (res.json().errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['query.limit', 'query.since', 'query.status[0]']);
  });

  it('an unknown route is a JSON 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('not_found');
  });

  it('random payloads at every ingestion endpoint never produce a 5xx, and valid parts are kept', async () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const alertish = fc.record(
      {
        labels: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), json)),
          json,
        ),
        annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.string()), json),
        startsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          json,
        ),
        endsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          json,
        ),
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), json),
        name: fc.oneof(fc.string(), json),
        version: fc.oneof(fc.constant('4'), json),
        alerts: fc.array(json, { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      json,
      fc.array(alertish, { maxLength: 5 }),
      alertish,
      fc.record({ alerts: fc.array(alertish, { maxLength: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...endpoints), body, async (url, payload) => {
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { ...key, 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        expect(res.statusCode).toBeLessThan(500);
        const out = res.json() as { code?: string; accepted?: number };
        if (res.statusCode >= 400) expect(typeof out.code).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});
