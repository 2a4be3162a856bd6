import { FakeServer, json, parseJson, type FakeReply, type RecordedRequest } from './fake-server.ts';

/** A message the fake Slack holds. */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks: unknown[];
  updates: number;
}

/**
 * Fake Slack: an incoming webhook at /services/T000/B000/XXXX and the Web API at
 * /api/chat.postMessage and /api/chat.update. Like Slack, the Web API answers HTTP 200 with
 * `{ok:false,error}` for application errors (invalid_auth, channel_not_found, message_not_found,
 * msg_too_long, invalid_blocks) and the webhook answers plain-text codes with 4xx.
 */
export class FakeSlack extends FakeServer {
  readonly messages: FakeSlackMessage[] = [];
  readonly webhookPath = '/services/T000/B000/XXXXSECRET';
  private seq = 0;

  constructor(
    readonly token: string,
    readonly channels: Set<string>,
  ) {
    super();
  }

  protected handle(req: RecordedRequest): FakeReply {
    if (req.path === this.webhookPath) return this.webhook(req);
    if (req.path === '/api/chat.postMessage' || req.path === '/api/chat.update') return this.api(req);
    return { status: 404, body: 'no_service' };
  }

  private webhook(req: RecordedRequest): FakeReply {
    const b = parseJson(req.body);
    if (!b) return { status: 400, body: 'invalid_payload' };
    if (typeof b['text'] !== 'string' && !Array.isArray(b['blocks'])) return { status: 400, body: 'no_text' };
    if (Array.isArray(b['blocks']) && b['blocks'].length > 50) return { status: 400, body: 'invalid_blocks' };
    this.messages.push({
      channel: 'webhook',
      ts: String(++this.seq),
      text: String(b['text']),
      blocks: [],
      updates: 0,
    });
    return { status: 200, body: 'ok' };
  }

  private api(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return json(200, { ok: false, error: 'invalid_auth' });
    const b = parseJson(req.body);
    if (!b) return json(200, { ok: false, error: 'invalid_json' });
    const channel = String(b['channel'] ?? '');
    const text = String(b['text'] ?? '');
    const blocks = Array.isArray(b['blocks']) ? b['blocks'] : [];
    if (!this.channels.has(channel)) return json(200, { ok: false, error: 'channel_not_found' });
    if (text.length > 40_000) return json(200, { ok: false, error: 'msg_too_long' });
    if (blocks.length > 50 || !validBlocks(blocks)) return json(200, { ok: false, error: 'invalid_blocks' });
    if (req.path === '/api/chat.update') {
      const m = this.messages.find((x) => x.channel === channel && x.ts === b['ts']);
      if (!m) return json(200, { ok: false, error: 'message_not_found' });
      m.text = text;
      m.blocks = blocks;
      m.updates++;
      return json(200, { ok: true, channel, ts: m.ts, text });
    }
    const ts = `1700000000.${String(++this.seq).padStart(6, '0')}`;
    const msg: FakeSlackMessage = { channel, ts, text, blocks, updates: 0 };
    if (typeof b['thread_ts'] === 'string') msg.thread_ts = b['thread_ts'];
    this.messages.push(msg);
    return json(200, { ok: true, channel, ts, message: { text } });
  }
}

/** Slack's documented block limits: header ≤150, section text ≤3000, ≤10 fields of ≤2000. */
function validBlocks(blocks: unknown[]): boolean {
  return blocks.every((raw) => {
    const b = raw as { type?: string; text?: { text?: string }; fields?: { text?: string }[] };
    if (b.type === 'header') return (b.text?.text?.length ?? 0) <= 150;
    if (b.type === 'section') {
      if (b.text && (b.text.text?.length ?? 0) > 3000) return false;
      if (b.fields && (b.fields.length > 10 || b.fields.some((f) => (f.text?.length ?? 0) > 2000)))
        return false;
    }
    return true;
  });
}
