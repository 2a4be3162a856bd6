import { createHmac, timingSafeEqual } from 'node:crypto';
import { FakeServer, json, type FakeReply, type RecordedRequest } from './fake-server.ts';

/**
 * A Standard Webhooks receiver: when given a `whsec_` secret it verifies `webhook-signature`
 * (constant-time, any of the space-separated v1 signatures) over `id.timestamp.body` and the
 * timestamp within ±5 min of `now()` (the test's clock), answering 401 otherwise. Received
 * messages are kept in arrival order with their webhook-id, so tests can count duplicates.
 */
export class FakeWebhookReceiver extends FakeServer {
  readonly received: { id: string; body: unknown }[] = [];

  constructor(
    readonly secret: string | undefined,
    readonly now: () => number,
  ) {
    super();
  }

  protected handle(req: RecordedRequest): FakeReply {
    const id = String(req.headers['webhook-id'] ?? '');
    const ts = Number(req.headers['webhook-timestamp']);
    if (this.secret) {
      if (!id || !Number.isFinite(ts)) return json(400, { error: 'missing webhook headers' });
      if (Math.abs(this.now() / 1000 - ts) > 300) return json(401, { error: 'timestamp outside tolerance' });
      const key = Buffer.from(this.secret.replace(/^whsec_/, ''), 'base64');
      const expected = createHmac('sha256', key).update(`${id}.${ts}.${req.body}`).digest();
      const sigs = String(req.headers['webhook-signature'] ?? '').split(' ');
      const ok = sigs.some((s) => {
        const [v, b64] = s.split(',');
        if (v !== 'v1' || !b64) return false;
        const got = Buffer.from(b64, 'base64');
        return got.length === expected.length && timingSafeEqual(got, expected);
      });
      if (!ok) return json(401, { error: 'bad signature' });
    }
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return json(400, { error: 'invalid json' });
    }
    this.received.push({ id, body });
    return { status: 204 };
  }
}
