import { ingestServiceOf } from '../src/server/ingest-service.ts';
import { TEST_KEY, type TestApp } from '../src/server/testing.ts';

/**
 * Posts alerts to an in-process vigil as Alertmanager does (API v2, batches of 64, all at once)
 * and resolves once every one is applied; any answer other than 200 throws.
 */
export async function postAlerts(t: TestApp, alerts: readonly Record<string, unknown>[]): Promise<void> {
  const posts = [];
  for (let i = 0; i < alerts.length; i += 64)
    posts.push(
      t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: { authorization: `Bearer ${TEST_KEY}` },
        payload: alerts.slice(i, i + 64),
      }),
    );
  for (const res of await Promise.all(posts))
    if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  await ingestServiceOf(t.ctx).settled();
}
