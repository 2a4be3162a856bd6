import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../../test/fakes/slack.ts';
import { HANG, reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { SlackPayload } from './slack.ts';

const TOKEN = 'xoxb-test-token-123';
const slack = new FakeSlack(TOKEN, new Set(['C123']));
const { fetch, refused } = loopbackFetch();

beforeAll(async () => {
  await slack.start();
});
afterAll(() => slack.stop());
afterEach(() => expect(refused).toEqual([]));

function bot(token = TOKEN) {
  return makeChannel(
    {
      id: 'slack-bot',
      type: 'slack',
      token: { env: 'SLACK_TOKEN' },
      channel: 'C123',
      api_url: `${slack.url}/api`,
      timeout_ms: 300,
    },
    { SLACK_TOKEN: token },
  );
}
const render = (event: 'triggered' | 'acknowledged' | 'resolved', over = {}) =>
  renderNotification('slack', event, sampleIncident(over)) as SlackPayload;

describe('slack channel', () => {
  it('posts Block Kit with a bearer token, threads follow-ups and updates on resolve', async () => {
    const ch = bot();
    const first = await ch.send(render('triggered'), undefined, sendCtx(fetch));
    expect(first.kind).toBe('delivered');
    const ref = first.kind === 'delivered' ? first.ref : undefined;
    expect(ref).toBeDefined();
    const root = slack.messages.at(-1);
    expect(root?.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    // mrkdwn control characters from alert text are escaped
    expect(root?.text).toContain('&lt;script&gt;');
    expect(JSON.stringify(root?.blocks)).toContain('vigil_ack');

    expect((await ch.send(render('acknowledged'), undefined, sendCtx(fetch, { ref }))).kind).toBe(
      'delivered',
    );
    expect(slack.messages.at(-1)?.thread_ts).toBe(root?.ts);

    expect((await ch.send(render('resolved'), undefined, sendCtx(fetch, { ref }))).kind).toBe('delivered');
    expect(root?.updates).toBe(1);
    expect(root?.text).toContain('[RESOLVED]');
  });

  it('classifies ok:false errors: invalid_auth and channel_not_found are permanent', async () => {
    const bad = await bot('xoxb-wrong-token').send(render('triggered'), undefined, sendCtx(fetch));
    expect(bad).toMatchObject({ kind: 'permanent', status: 200, error: 'slack: invalid_auth' });
    const nochan = await bot().send(render('triggered'), 'C999', sendCtx(fetch));
    expect(nochan).toMatchObject({ kind: 'permanent', error: 'slack: channel_not_found' });
  });

  it('retries 429 with Retry-After, 500, ok:false ratelimited, and a hang (timeout)', async () => {
    slack.failNext(reply(429, { 'retry-after': '30' }));
    expect(await bot().send(render('triggered'), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      status: 429,
      retryAfterMs: 30_000,
    });
    slack.failNext(reply(500));
    expect((await bot().send(render('triggered'), undefined, sendCtx(fetch))).kind).toBe('retryable');
    slack.failNext({ kind: 'reply', reply: { status: 200, body: '{"ok":false,"error":"ratelimited"}' } });
    expect((await bot().send(render('triggered'), undefined, sendCtx(fetch))).kind).toBe('retryable');
    slack.failNext(HANG);
    const hung = await bot().send(render('triggered'), undefined, sendCtx(fetch, { timeoutMs: 150 }));
    expect(hung).toMatchObject({ kind: 'retryable', error: 'timeout after 150 ms' });
  });

  it('cuts over-long text to Slack limits with a marker instead of being rejected', async () => {
    const huge = 'x'.repeat(50_000);
    const p = render('triggered', { title: huge, summary: huge, labels: { big: huge } });
    expect(p.text.length).toBeLessThanOrEqual(4000);
    expect(p.text.endsWith('…[truncated]')).toBe(true);
    expect(await bot().send(p, undefined, sendCtx(fetch))).toMatchObject({ kind: 'delivered' });
  });

  it('sends to an incoming webhook; the URL (a secret) never appears in errors', async () => {
    const url = `${slack.url}${slack.webhookPath}`;
    const hook = makeChannel(
      { id: 'slack-hook', type: 'slack', webhook_url: { env: 'HOOK' } },
      { HOOK: url },
    );
    expect((await hook.send(render('triggered'), undefined, sendCtx(fetch))).kind).toBe('delivered');
    expect(slack.messages.at(-1)?.channel).toBe('webhook');
    slack.failNext(reply(404, {}, `no_service for ${url}`));
    const out = await hook.send(render('triggered'), undefined, sendCtx(fetch));
    expect(out.kind).toBe('permanent');
    expect(JSON.stringify(out)).not.toContain('XXXXSECRET');
    expect(JSON.stringify(out)).toContain('[REDACTED]');
  });
});
