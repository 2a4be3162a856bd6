import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { FakeWebhookReceiver } from '../../../test/fakes/webhook-receiver.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import { parseStoredPayload, serializePayload, type ChannelPayload } from './index.ts';
import { signStandardWebhook } from './webhook.ts';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const NOW = Date.parse('2026-01-05T09:00:00Z');
const rx = new FakeWebhookReceiver(SECRET, () => NOW);
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await rx.start();
});
afterAll(() => rx.stop());
afterEach(() => expect(refused).toEqual([]));

const channel = (secret = SECRET, format = 'vigil') =>
  makeChannel(
    { id: 'hook', type: 'webhook', url: `${rx.url}/in`, secret: { env: 'WH' }, format },
    { WH: secret },
  );

describe('webhook channel', () => {
  it('signs per Standard Webhooks; the receiver verifies it', async () => {
    const p = renderNotification('webhook', 'triggered', sampleIncident()) as ChannelPayload;
    expect(await channel().send(p, undefined, sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
      status: 204,
    });
    const got = rx.received.at(-1);
    expect(got?.id).toMatch(/^msg_/);
    expect(got?.body).toMatchObject({
      type: 'incident.triggered',
      data: { incident: { id: 'INC-7', severity: 'critical' } },
    });
  });

  it('posts exactly the body the outbox stored, signed over those bytes', async () => {
    const rendered = renderNotification('webhook', 'triggered', sampleIncident()) as ChannelPayload;
    const row = serializePayload(rendered);
    // The row is plain JSON with the body embedded as is; it is read back by slicing.
    expect(JSON.parse(row)).toEqual(rendered);
    const stored = parseStoredPayload(row);
    expect(stored).toEqual({
      type: 'webhook',
      bodyText: JSON.stringify((rendered as { body: unknown }).body),
    });
    // Rows stored by earlier versions (the body as a JSON string) still read back the same.
    const older = JSON.stringify({
      type: 'webhook',
      bodyText: JSON.stringify((rendered as { body: unknown }).body),
    });
    expect(parseStoredPayload(older)).toEqual(stored);
    // Other channels' payloads are parsed as JSON.
    expect(parseStoredPayload(JSON.stringify({ type: 'sms', text: 'x' }))).toEqual({
      type: 'sms',
      text: 'x',
    });
    expect(await channel().send(stored, undefined, sendCtx(fetch))).toMatchObject({ kind: 'delivered' });
    const got = rx.requests.at(-1);
    expect(got?.body).toBe((stored as { bodyText: string }).bodyText);
    expect(rx.received.at(-1)?.body).toEqual((rendered as { body: unknown }).body);
  });

  it('matches the spec test vector', () => {
    // From standard-webhooks spec: secret, msg id, timestamp and payload → known signature.
    const sig = signStandardWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('a wrong secret is rejected by the receiver (permanent 401), secret redacted', async () => {
    const wrong = `whsec_${randomBytes(32).toString('base64')}`;
    const p = renderNotification('webhook', 'triggered', sampleIncident()) as ChannelPayload;
    const out = await channel(wrong).send(p, undefined, sendCtx(fetch));
    expect(out).toMatchObject({ kind: 'permanent', status: 401 });
  });

  it('keeps the webhook-id stable across retries (receivers dedupe on it)', async () => {
    rx.failNext(reply(500));
    const p = renderNotification('webhook', 'resolved', sampleIncident()) as ChannelPayload;
    expect((await channel().send(p, undefined, sendCtx(fetch, { key: 'k1' }))).kind).toBe('retryable');
    expect((await channel().send(p, undefined, sendCtx(fetch, { key: 'k1' }))).kind).toBe('delivered');
    const ids = rx.requests.slice(-2).map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
  });

  it('sends an Alertmanager webhook v4 body when asked', async () => {
    const p = renderNotification('webhook', 'triggered', sampleIncident(), {
      webhookFormat: 'alertmanager',
    }) as ChannelPayload;
    expect((await channel(SECRET, 'alertmanager').send(p, undefined, sendCtx(fetch))).kind).toBe('delivered');
    expect(rx.received.at(-1)?.body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'vigil',
      alerts: [{ status: 'firing', endsAt: '0001-01-01T00:00:00Z', labels: { alertname: 'GPUMemoryHigh' } }],
      commonLabels: { cluster: 'train-a' },
    });
  });

  it('does not follow redirects (3xx is a permanent misconfiguration) and retries 429/502', async () => {
    const p = renderNotification('webhook', 'triggered', sampleIncident()) as ChannelPayload;
    rx.failNext(
      reply(302, { location: 'http://169.254.169.254/' }),
      reply(429, { 'retry-after': '3' }),
      reply(502),
    );
    expect((await channel().send(p, undefined, sendCtx(fetch))).kind).toBe('permanent');
    expect(await channel().send(p, undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 3000,
    });
    expect((await channel().send(p, undefined, sendCtx(fetch))).kind).toBe('retryable');
  });
});
