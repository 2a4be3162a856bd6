import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../../../test/fakes/discord.ts';
import { reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { DiscordPayload } from './discord.ts';

const discord = new FakeDiscord('123456', 'tokSECRETtok');
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await discord.start();
});
afterAll(() => discord.stop());
afterEach(() => expect(refused).toEqual([]));

const channel = (url = discord.webhookUrl()) =>
  makeChannel({ id: 'dc', type: 'discord', webhook_url: { env: 'DC' }, username: 'vigil' }, { DC: url });
const payload = (over = {}) =>
  renderNotification('discord', 'triggered', sampleIncident(over)) as DiscordPayload;

describe('discord channel', () => {
  it('posts content and an embed, with mentions disabled and markdown escaped', async () => {
    const p = payload({ title: '@everyone *bold* GPU' });
    expect(await channel().send(p, undefined, sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
      status: 200,
    });
    const msg = discord.messages.at(-1);
    expect(msg?.allowed_mentions).toEqual({ parse: [] });
    expect(msg?.content).toContain('\\*bold\\*');
    expect(msg?.content).not.toContain('@everyone');
    expect(msg?.embeds[0]?.fields?.[0]).toMatchObject({ name: 'Severity', value: 'critical' });
  });

  it('cuts content to 2000 and embeds to 6000 characters instead of being rejected', async () => {
    const big = 'z'.repeat(20_000);
    const p = payload({ title: big, summary: big, labels: { a: big, b: big, c: big } });
    expect(p.body.content.length).toBeLessThanOrEqual(2000);
    expect(await channel().send(p, undefined, sendCtx(fetch))).toMatchObject({ kind: 'delivered' });
    expect(discord.messages.at(-1)?.content.endsWith('…[truncated]')).toBe(true);
  });

  it('a wrong token is a permanent 401; a deleted webhook (404) is permanent; token redacted', async () => {
    const out = await channel(discord.webhookUrl().replace('tokSECRETtok', 'badtok')).send(
      payload(),
      undefined,
      sendCtx(fetch),
    );
    expect(out).toMatchObject({ kind: 'permanent', status: 401 });
    const gone = await channel(discord.webhookUrl().replace('123456', '999')).send(
      payload(),
      undefined,
      sendCtx(fetch),
    );
    expect(gone).toMatchObject({ kind: 'permanent', status: 404 });
  });

  it('reads retry_after from a 429 body', async () => {
    discord.failNext({
      kind: 'reply',
      reply: {
        status: 429,
        body: '{"message":"You are being rate limited.","retry_after":1.5,"global":false}',
      },
    });
    expect(await channel().send(payload(), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 1500,
    });
    discord.failNext(reply(502));
    expect((await channel().send(payload(), undefined, sendCtx(fetch))).kind).toBe('retryable');
  });
});
