import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { notificationRequestSchema } from '../notify/api.ts';
import { registerNotifyCommands } from './notify.ts';

let server: http.Server;
let url = '';
const seen: { auth: string | undefined; body: unknown }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body: JSON.parse(body) as unknown });
      if (req.url !== '/api/v1/notifications' || req.headers.authorization !== 'Bearer tok-123') {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"code":"unauthorized","message":"no"}');
        return;
      }
      const parsed = notificationRequestSchema.parse(JSON.parse(body));
      res.writeHead(202, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          incident: parsed.incident ?? 'INC-9',
          notifications: parsed.channels.map((c) => ({
            key: `INC-9:triggered:route:${c}`,
            channel: c,
            queued: true,
          })),
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('vigil notify', () => {
  it('POSTs the request body with the bearer token and prints the reply', async () => {
    vi.stubEnv('VIGIL_API_TOKEN', 'tok-123');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const program = new Command().exitOverride();
    registerNotifyCommands(program);
    await program.parseAsync(
      [
        'notify',
        '--channels',
        'slack,pagerduty,email,sms',
        '--severity',
        'critical',
        '--message',
        'GPU fire',
        '--runbook',
        'https://rb.example/x',
        '--incident',
        'INC-1',
        '--url',
        url,
        '--json',
      ],
      { from: 'user' },
    );
    const text = out.mock.calls.map((c) => String(c[0])).join('');
    out.mockRestore();
    vi.unstubAllEnvs();
    expect(seen.at(-1)).toEqual({
      auth: 'Bearer tok-123',
      body: {
        channels: ['slack', 'pagerduty', 'email', 'sms'],
        severity: 'critical',
        message: 'GPU fire',
        runbook_url: 'https://rb.example/x',
        incident: 'INC-1',
      },
    });
    expect(JSON.parse(text)).toMatchObject({
      incident: 'INC-1',
      notifications: [{ channel: 'slack', queued: true }, {}, {}, {}],
    });
  });

  it('rejects a bad severity before calling the server', async () => {
    const program = new Command().exitOverride();
    registerNotifyCommands(program);
    const before = seen.length;
    await expect(
      program.parseAsync(
        ['notify', '--channels', 'slack', '--severity', 'urgent', '--message', 'x', '--url', url],
        { from: 'user' },
      ),
    ).rejects.toThrow('invalid notification');
    expect(seen.length).toBe(before);
  });
});
