import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSmtp } from '../../../test/fakes/smtp.ts';
import { loopbackFetch } from '../../../test/fakes/loopback-fetch.ts';
import { makeChannel, sampleIncident, sendCtx } from '../../../test/notify/helpers.ts';
import { renderNotification } from '../render.ts';
import type { ChannelPayload } from './index.ts';

const smtp = new FakeSmtp({ user: 'alerts', pass: 'smtp-pass-secret' });
const { fetch } = loopbackFetch();
beforeAll(async () => {
  await smtp.start();
});
afterAll(() => smtp.stop());

const channel = (pass = 'smtp-pass-secret', port = smtp.port) =>
  makeChannel(
    {
      id: 'mail',
      type: 'email',
      host: '127.0.0.1',
      port,
      require_tls: false,
      username: 'alerts',
      password: { env: 'SMTP_PASS' },
      from: '"vigil" <alerts@example.com>',
      timeout_ms: 1000,
    },
    { SMTP_PASS: pass },
  );
const render = (e: 'triggered' | 'resolved', over = {}) =>
  renderNotification('email', e, sampleIncident(over)) as ChannelPayload;

describe('email channel (SMTP)', () => {
  it('sends text and HTML parts, HTML-escaped, and threads the resolve under the trigger', async () => {
    const ch = channel();
    expect(await ch.send(render('triggered'), 'oncall@example.com', sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
    });
    expect(await ch.send(render('resolved'), 'oncall@example.com', sendCtx(fetch))).toMatchObject({
      kind: 'delivered',
    });
    ch.close();
    const [first, second] = smtp.mails.slice(-2);
    expect(first?.to).toEqual(['oncall@example.com']);
    expect(first?.raw).toContain('Subject: [CRITICAL] GPU memory high on gpu-7');
    expect(first?.raw).toContain('text/plain');
    expect(first?.raw).toContain('text/html');
    expect(first?.raw).toContain('&lt;script&gt;');
    expect(first?.raw).toContain('Message-ID: <vigil.INC-7@example.com>');
    expect(second?.raw).toContain('In-Reply-To: <vigil.INC-7@example.com>');
  });

  it('bad credentials are permanent (535) and the password is not in the error', async () => {
    const ch = channel('wrong-password-123');
    const out = await ch.send(render('triggered'), 'oncall@example.com', sendCtx(fetch));
    ch.close();
    expect(out.kind).toBe('permanent');
    expect(JSON.stringify(out)).not.toContain('wrong-password-123');
  });

  it('550 on the recipient is permanent; 451 is retryable; a refused connection is retryable', async () => {
    smtp.reject550.add('gone@example.com');
    smtp.reject451.add('busy@example.com');
    const ch = channel();
    expect(await ch.send(render('triggered'), 'gone@example.com', sendCtx(fetch))).toMatchObject({
      kind: 'permanent',
    });
    expect(await ch.send(render('triggered'), 'busy@example.com', sendCtx(fetch))).toMatchObject({
      kind: 'retryable',
    });
    ch.close();
    const dead = channel('smtp-pass-secret', 1);
    expect((await dead.send(render('triggered'), 'a@example.com', sendCtx(fetch))).kind).toBe('retryable');
    dead.close();
  });

  it('a huge alert still sends, cut with a marker', async () => {
    const ch = channel();
    const out = await ch.send(
      render('triggered', { summary: 'q'.repeat(300_000) }),
      'a@example.com',
      sendCtx(fetch),
    );
    ch.close();
    expect(out.kind).toBe('delivered');
    expect(smtp.mails.at(-1)?.raw).toContain('[truncated]');
  });
});
