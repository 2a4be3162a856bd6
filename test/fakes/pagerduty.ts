import { FakeServer, json, parseJson, type FakeReply, type RecordedRequest } from './fake-server.ts';

const ACTIONS = new Set(['trigger', 'acknowledge', 'resolve']);
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/**
 * Fake PagerDuty Events API v2 at /v2/enqueue. Validates like the real one: a missing or
 * malformed routing_key (32 chars) or event_action → 400 "invalid event"; a trigger needs
 * payload.summary (≤1024), source and a known severity; ack/resolve need dedup_key. Accepted
 * events get 202 with the dedup_key. Keeps per-dedup-key incident state for assertions.
 */
export class FakePagerDuty extends FakeServer {
  readonly events: Record<string, unknown>[] = [];
  readonly incidents = new Map<string, 'triggered' | 'acknowledged' | 'resolved'>();

  constructor(readonly routingKey: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeReply {
    if (req.path !== '/v2/enqueue' || req.method !== 'POST') return json(404, { message: 'not found' });
    const b = parseJson(req.body);
    const bad = (msg: string): FakeReply =>
      json(400, { status: 'invalid event', message: 'Event object is invalid', errors: [msg] });
    if (!b) return bad('invalid JSON');
    const key = b['routing_key'];
    if (typeof key !== 'string' || key.length !== 32)
      return bad("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (key !== this.routingKey) return bad('Invalid routing key');
    const action = String(b['event_action'] ?? '');
    if (!ACTIONS.has(action)) return bad("'event_action' is missing or blank");
    let dedup = typeof b['dedup_key'] === 'string' ? b['dedup_key'] : undefined;
    if (dedup && dedup.length > 255) return bad("'dedup_key' is too long");
    if (action === 'trigger') {
      const p = b['payload'] as { summary?: string; source?: string; severity?: string } | undefined;
      if (!p?.summary) return bad("'payload.summary' is missing or blank");
      if (p.summary.length > 1024) return bad("'payload.summary' is too long");
      if (!p.source) return bad("'payload.source' is missing or blank");
      if (!SEVERITIES.has(p.severity ?? '')) return bad("'payload.severity' is invalid");
      dedup ??= `auto-${this.events.length}`;
      this.incidents.set(dedup, 'triggered');
    } else {
      if (!dedup) return bad("'dedup_key' is missing or blank");
      if (this.incidents.has(dedup))
        this.incidents.set(dedup, action === 'resolve' ? 'resolved' : 'acknowledged');
    }
    this.events.push(b);
    return json(202, { status: 'success', message: 'Event processed', dedup_key: dedup });
  }
}
