import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../auth/tokens.ts';
import type { Store } from '../store/store.ts';
import { openTempSqlite } from '../store/testing.ts';
import { createTestApp, TEST_KEY, type TestApp } from './testing.ts';

describe('auth', () => {
  let store: Store;
  let t: TestApp;
  beforeAll(async () => {
    store = await openTempSqlite();
    t = await createTestApp(store);
    await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { authorization: `Bearer ${TEST_KEY}` },
      payload: [{ labels: { alertname: 'A' } }],
    });
  });
  afterAll(async () => {
    await t.close();
    await store.close();
  });

  it('answers 401 with a JSON error without credentials or with a wrong token', async () => {
    for (const headers of [{}, { authorization: 'Bearer vgl_wrong' }, { authorization: 'Basic abc' }]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('unauthorized');
    }
  });

  it('lets a viewer read but not acknowledge (403)', async () => {
    const viewer = await t.token('viewer');
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/incidents',
          headers: { authorization: `Bearer ${viewer}` },
        })
      ).statusCode,
    ).toBe(200);
    const ack = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents/INC-1/acknowledge',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(ack.statusCode).toBe(403);
    expect(ack.json()).toMatchObject({ code: 'forbidden', message: expect.stringContaining('responder') });
  });

  it('an integration key can post alerts but cannot read the API', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/incidents',
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(res.statusCode).toBe(401);
  });

  it('VIGIL_API_TOKEN acts as admin; only admins create tokens; tokens are stored hashed', async () => {
    const responder = await t.token('responder');
    const denied = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${responder}` },
      payload: { name: 'x', role: 'viewer' },
    });
    expect(denied.statusCode).toBe(403);
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: 'Bearer env-admin-token-for-tests' },
      payload: { name: 'grafana', role: 'viewer' },
    });
    expect(made.statusCode).toBe(201);
    const token = made.json().token as string;
    const rows = await store.db.selectFrom('api_tokens').select('hash').execute();
    expect(rows.some((r) => r.hash.includes(token))).toBe(false);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v2/alerts',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(200);
    await revokeToken(store.db, made.json().id as number, t.clock.now());
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v2/alerts',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('serves health, readiness, metrics and the OpenAPI document without auth', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/-/healthy' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/-/ready' })).statusCode).toBe(200);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(
      'vigil_alerts_received_total{source="alertmanager-api",outcome="accepted"} 1',
    );
    expect(metrics.body).toContain('vigil_incidents_open{status="triggered",severity="medium"} 1');
    expect(metrics.body).toContain('vigil_http_request_duration_seconds_bucket');
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: Array<{ name: string }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/incidents/{ref}/acknowledge');
    expect(doc.paths['/api/v1/incidents']?.['get']?.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['status', 'severity', 'service', 'since', 'until']),
    );
  });
});
