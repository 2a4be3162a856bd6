import { FakeServer, json, type FakeReply, type RecordedRequest } from './fake-server.ts';

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Fake Twilio Messages API: POST /2010-04-01/Accounts/<sid>/Messages.json with HTTP Basic auth
 * (account SID or API key SID : secret; else 401 code 20003), form encoding (else 400), an E.164
 * `To` (else 21211), `From` or `MessagingServiceSid` (else 21603), Body ≤1600 (else 21617).
 * Answers 201 with a message SID.
 */
export class FakeTwilio extends FakeServer {
  readonly messages: { to: string; from: string; body: string }[] = [];

  constructor(
    readonly accountSid: string,
    readonly username: string,
    readonly secret: string,
  ) {
    super();
  }

  protected handle(req: RecordedRequest): FakeReply {
    const err = (status: number, code: number, message: string): FakeReply =>
      json(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    if (req.path !== `/2010-04-01/Accounts/${this.accountSid}/Messages.json`)
      return err(404, 20404, 'not found');
    const expected = `Basic ${Buffer.from(`${this.username}:${this.secret}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return err(401, 20003, 'Authenticate');
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      return err(400, 20001, 'expected form encoding');
    }
    const f = new URLSearchParams(req.body);
    const to = f.get('To') ?? '';
    if (!E164.test(to)) return err(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const from = f.get('From') ?? f.get('MessagingServiceSid') ?? '';
    if (!from) return err(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
    const body = f.get('Body') ?? '';
    if (!body) return err(400, 21602, 'Message body is required.');
    if (body.length > 1600)
      return err(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    this.messages.push({ to, from, body });
    return json(201, {
      sid: `SM${String(this.messages.length).padStart(32, '0')}`,
      status: 'queued',
      to,
      from,
      body,
    });
  }
}
