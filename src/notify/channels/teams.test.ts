import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HANG, reply } from '../../../test/fakes/fake-server.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { FakeTeams } from '../../../test/fakes/teams.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { ChannelPayload } from './index.ts';

const teams = new FakeTeams('SIGSECRET123');
const { fetch, refused } = loopbackFetch();
beforeAll(async () => {
  await teams.start();
});
afterAll(() => teams.stop());
afterEach(() => expect(refused).toEqual([]));

const channel = (url = teams.webhookUrl()) =>
  makeChannel({ id: 'teams', type: 'teams', webhook_url: { env: 'TEAMS_URL' } }, { TEAMS_URL: url });
const payload = (over = {}) =>
  renderNotification('teams', 'triggered', sampleIncident(over)) as ChannelPayload;

describe('teams channel', () => {
  it('posts an Adaptive Card message (not a MessageCard) with facts and OpenUrl actions', async () => {
    expect(await channel().send(payload(), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
      status: 202,
    });
    const card = teams.cards.at(-1) as {
      version: string;
      body: { type: string }[];
      actions: { type: string }[];
    };
    expect(card.version).toBe('1.4');
    expect(card.body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet']);
    expect(card.actions.every((a) => a.type === 'Action.OpenUrl')).toBe(true);
  });

  it('a wrong sig is a permanent 401, redacted', async () => {
    const bad = teams.webhookUrl().replace('SIGSECRET123', 'WRONGSIG999');
    const out = await channel(bad).send(payload(), undefined, sendCtx(fetch));
    expect(out).toMatchObject({ kind: 'permanent', status: 401 });
  });

  it('keeps huge alerts under the 28 KB message limit', async () => {
    const big = 'y'.repeat(100_000);
    const out = await channel().send(
      payload({ summary: big, labels: { a: big } }),
      undefined,
      sendCtx(fetch),
    );
    expect(out.kind).toBe('delivered');
    expect(JSON.stringify(teams.cards.at(-1))).toContain('…[truncated]');
  });

  it('retries 429 and 5xx and a hang', async () => {
    teams.failNext(reply(429, { 'retry-after': '2' }), reply(503), HANG);
    expect(await channel().send(payload(), undefined, sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
      retryAfterMs: 2000,
    });
    expect((await channel().send(payload(), undefined, sendCtx(fetch))).kind).toBe('retryable');
    expect((await channel().send(payload(), undefined, sendCtx(fetch, { timeoutMs: 150 }))).kind).toBe(
      'retryable',
    );
  });
});
