import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { FakeOpsgenie } from '../../../test/fakes/opsgenie.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { ChannelPayload } from './index.ts';

const KEY = 'genie-key-0000-1111';
const og = new FakeOpsgenie(KEY);
const jsm = new FakeOpsgenie(KEY, '/jsm/ops/integration');
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await og.start();
  await jsm.start();
});
afterAll(async () => {
  await og.stop();
  await jsm.stop();
});
afterEach(() => expect(refused).toEqual([]));

const channel = (apiUrl: string, key = KEY) =>
  makeChannel(
    {
      id: 'og',
      type: 'opsgenie',
      api_key: { env: 'OG' },
      api_url: apiUrl,
      responders: [{ type: 'team', name: 'ml-ops' }],
    },
    { OG: key },
  );
const render = (e: 'triggered' | 'acknowledged' | 'resolved' | 'escalated', over = {}) =>
  renderNotification('opsgenie', e, sampleIncident(over)) as ChannelPayload;

describe('opsgenie channel', () => {
  it('creates, notes, acknowledges and closes by alias with GenieKey auth', async () => {
    for (const e of ['triggered', 'escalated', 'acknowledged'] as const) {
      expect(await channel(og.url).send(render(e), undefined, sendCtx(fetch))).toMatchObject({
        kind: 'delivered',
        status: 202,
      });
    }
    expect(og.alerts.get('vigil-INC-7')).toMatchObject({
      status: 'acked',
      body: { priority: 'P1', responders: [{ name: 'ml-ops' }] },
    });
    expect(og.alerts.get('vigil-INC-7')?.notes).toHaveLength(1);
    await channel(og.url).send(render('resolved'), undefined, sendCtx(fetch));
    expect(og.alerts.get('vigil-INC-7')?.status).toBe('closed');
  });

  it('works against a JSM Ops base URL', async () => {
    const out = await channel(`${jsm.url}/jsm/ops/integration`).send(
      render('triggered'),
      undefined,
      sendCtx(fetch),
    );
    expect(out.kind).toBe('delivered');
    expect(jsm.alerts.has('vigil-INC-7')).toBe(true);
  });

  it('cuts message to 130 chars; a bad key is permanent 401 and redacted', async () => {
    const out = await channel(og.url).send(
      render('triggered', { id: 'INC-8', title: 'm'.repeat(400) }),
      undefined,
      sendCtx(fetch),
    );
    expect(out.kind).toBe('delivered');
    const bad = await channel(og.url, 'wrong-key-zzzz').send(render('triggered'), undefined, sendCtx(fetch));
    expect(bad).toMatchObject({ kind: 'permanent', status: 401 });
  });

  it('retries 429 with Retry-After and 500', async () => {
    og.failNext(reply(429, { 'retry-after': '5' }), reply(500));
    expect(await channel(og.url).send(render('triggered'), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 5000,
    });
    expect((await channel(og.url).send(render('triggered'), undefined, sendCtx(fetch))).kind).toBe(
      'retryable',
    );
  });
});
