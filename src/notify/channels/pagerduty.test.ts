import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { FakePagerDuty } from '../../../test/fakes/pagerduty.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { ChannelPayload } from './index.ts';
import type { PagerDutyPayload } from './pagerduty.ts';

const KEY = 'R0123456789abcdef0123456789abcde';
const pd = new FakePagerDuty(KEY);
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await pd.start();
});
afterAll(() => pd.stop());
afterEach(() => expect(refused).toEqual([]));

const channel = (key = KEY) =>
  makeChannel(
    { id: 'pd', type: 'pagerduty', routing_key: { env: 'PD' }, url: `${pd.url}/v2/enqueue` },
    { PD: key },
  );
const render = (e: 'triggered' | 'acknowledged' | 'resolved' | 'escalated', over = {}) =>
  renderNotification('pagerduty', e, sampleIncident(over)) as ChannelPayload;

describe('pagerduty channel', () => {
  it('trigger → acknowledge → resolve on one stable dedup_key, 202 delivered', async () => {
    for (const e of ['triggered', 'acknowledged', 'resolved'] as const) {
      expect(await channel().send(render(e), undefined, sendCtx(fetch))).toMatchObject({
        kind: 'delivered',
        status: 202,
      });
    }
    expect(pd.incidents.get('vigil-INC-7')).toBe('resolved');
    const trig = pd.events.find((e) => e['event_action'] === 'trigger') as {
      payload: Record<string, unknown>;
    };
    expect(trig.payload).toMatchObject({ severity: 'critical', source: 'gpu-7:9400', component: 'training' });
  });

  it('never stores the routing key in the payload, and handoff renders nothing', () => {
    expect(JSON.stringify(render('triggered'))).not.toContain(KEY);
    expect(renderNotification('pagerduty', 'handoff', sampleIncident())).toBeNull();
  });

  it('a wrong routing key is a permanent 400 with the body, the key redacted', async () => {
    const out = await channel('short').send(render('triggered'), undefined, sendCtx(fetch));
    expect(out).toMatchObject({ kind: 'permanent', status: 400 });
    expect(out.kind !== 'delivered' && out.error).toContain('routing_key');
  });

  it('cuts summary to 1024', async () => {
    const p = render('escalated', { title: 's'.repeat(5000) }) as PagerDutyPayload;
    expect((p.body['payload'] as { summary: string }).summary).toHaveLength(1024);
    expect((await channel().send(p, undefined, sendCtx(fetch))).kind).toBe('delivered');
  });

  it('retries 429 and 500', async () => {
    pd.failNext(reply(429), reply(500));
    expect(await channel().send(render('triggered'), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      status: 429,
    });
    expect(await channel().send(render('triggered'), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      status: 500,
    });
  });
});
