import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HANG, reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { FakeTwilio } from '../../../test/fakes/twilio.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { SmsPayload } from './sms.ts';

const SID = 'AC00000000000000000000000000000001';
const TOKEN = 'twilio-auth-token-xyz';
const twilio = new FakeTwilio(SID, SID, TOKEN);
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await twilio.start();
});
afterAll(() => twilio.stop());
afterEach(() => expect(refused).toEqual([]));

const channel = (token = TOKEN) =>
  makeChannel(
    {
      id: 'sms',
      type: 'sms',
      account_sid: SID,
      auth_token: { env: 'TW' },
      from: '+15557654321',
      api_url: twilio.url,
    },
    { TW: token },
  );
const payload = (over = {}) => renderNotification('sms', 'triggered', sampleIncident(over)) as SmsPayload;

describe('sms channel (Twilio)', () => {
  it('posts a form-encoded message with basic auth; 201 is delivered', async () => {
    expect(await channel().send(payload(), '+15551234567', sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
      status: 201,
    });
    const m = twilio.messages.at(-1);
    expect(m).toMatchObject({ to: '+15551234567', from: '+15557654321' });
    expect(m?.body).toContain('[CRITICAL] GPU memory high');
    expect(m?.body).toContain('Ack: https://vigil.example/a/ack');
  });

  it('cuts the body to 1,600 characters, keeping the ack link', async () => {
    const p = payload({ title: 'w'.repeat(5000) });
    expect(p.body.length).toBeLessThanOrEqual(1600);
    expect(p.body).toContain('…[truncated]');
    expect(p.body).toContain('Ack: ');
    expect((await channel().send(p, '+15551234567', sendCtx(fetch))).kind).toBe('delivered');
  });

  it('wrong credentials are a permanent 401, and neither token nor basic header leaks', async () => {
    const out = await channel('wrong-token-abc').send(payload(), '+15551234567', sendCtx(fetch));
    expect(out).toMatchObject({ kind: 'permanent', status: 401 });
    expect(JSON.stringify(out)).not.toContain('wrong-token-abc');
  });

  it('an invalid number is a permanent 400 (21211)', async () => {
    const out = await channel().send(payload(), '+0', sendCtx(fetch));
    expect(out).toMatchObject({ kind: 'permanent', status: 400 });
    expect(out.kind !== 'delivered' && out.error).toContain('21211');
  });

  it('retries 429 (20429) and 5xx and timeouts', async () => {
    twilio.failNext(reply(429, { 'retry-after': '1' }), reply(500), HANG);
    expect(await channel().send(payload(), '+15551234567', sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 1000,
    });
    expect((await channel().send(payload(), '+15551234567', sendCtx(fetch))).kind).toBe('retryable');
    expect((await channel().send(payload(), '+15551234567', sendCtx(fetch, { timeoutMs: 150 }))).kind).toBe(
      'retryable',
    );
  });
});
