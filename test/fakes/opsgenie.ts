import { FakeServer, json, parseJson, type FakeReply, type RecordedRequest } from './fake-server.ts';

/**
 * Fake Opsgenie Alert API under an optional path prefix (so it can stand in for JSM Ops at
 * `/jsm/ops/integration`). Requires `Authorization: GenieKey <key>` (else 401), a non-empty
 * `message` ≤130 on create (else 422), and `identifierType=alias` on actions. Answers 202.
 */
export class FakeOpsgenie extends FakeServer {
  readonly alerts = new Map<
    string,
    { status: 'open' | 'acked' | 'closed'; body: Record<string, unknown>; notes: string[] }
  >();

  constructor(
    readonly apiKey: string,
    readonly prefix = '',
  ) {
    super();
  }

  protected handle(req: RecordedRequest): FakeReply {
    const took = { took: 0.01, requestId: `req-${this.requests.length}` };
    if (req.headers.authorization !== `GenieKey ${this.apiKey}`) {
      return json(401, { message: 'Could not authenticate', ...took });
    }
    if (!req.path.startsWith(`${this.prefix}/v2/alerts`)) return json(404, { message: 'not found', ...took });
    const rest = req.path.slice(`${this.prefix}/v2/alerts`.length);
    const b = parseJson(req.body);
    if (!b) return json(400, { message: 'invalid json', ...took });
    if (rest === '' || rest === '/') {
      const message = b['message'];
      if (typeof message !== 'string' || !message) {
        return json(422, {
          message: 'Request body is not processable',
          errors: { message: 'Message can not be empty.' },
          ...took,
        });
      }
      if (message.length > 130) {
        return json(422, {
          message: 'Request body is not processable',
          errors: { message: 'too long' },
          ...took,
        });
      }
      const alias = String(b['alias'] ?? message);
      if (!this.alerts.has(alias)) this.alerts.set(alias, { status: 'open', body: b, notes: [] });
      return json(202, { result: 'Request will be processed', ...took });
    }
    const m = /^\/([^/]+)\/(acknowledge|close|notes)$/.exec(rest);
    if (!m) return json(404, { message: 'not found', ...took });
    if (req.query.get('identifierType') !== 'alias')
      return json(400, { message: 'identifierType must be alias', ...took });
    const a = this.alerts.get(decodeURIComponent(m[1] ?? ''));
    if (a) {
      if (m[2] === 'acknowledge') a.status = 'acked';
      else if (m[2] === 'close') a.status = 'closed';
      else a.notes.push(String(b['note'] ?? ''));
    }
    return json(202, { result: 'Request will be processed', ...took });
  }
}
