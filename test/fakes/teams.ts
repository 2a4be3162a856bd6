import { FakeServer, json, parseJson, type FakeReply, type RecordedRequest } from './fake-server.ts';

/**
 * Fake Teams Workflows trigger: POST /workflows/<id>/triggers/manual/paths/invoke?sig=<sig>.
 * A wrong or missing `sig` gets 401; a body that is not a `message` with an Adaptive Card
 * attachment gets 400; over 28 KB gets 413; otherwise 202 (asynchronous, like the real one).
 */
export class FakeTeams extends FakeServer {
  readonly cards: Record<string, unknown>[] = [];
  readonly path = '/workflows/abc/triggers/manual/paths/invoke';

  constructor(readonly sig: string) {
    super();
  }

  /** The full webhook URL including the secret sig. */
  webhookUrl(): string {
    return `${this.url}${this.path}?api-version=2016-06-01&sig=${this.sig}`;
  }

  protected handle(req: RecordedRequest): FakeReply {
    if (req.path !== this.path) return json(404, { error: { code: 'NotFound' } });
    if (req.query.get('sig') !== this.sig)
      return json(401, { error: { code: 'DirectApiAuthorizationRequired' } });
    if (Buffer.byteLength(req.body) > 28 * 1024) return json(413, { error: { code: 'MessageTooLarge' } });
    const b = parseJson(req.body);
    const att = (
      b?.['attachments'] as
        { contentType?: string; content?: { type?: string; version?: string } }[] | undefined
    )?.[0];
    if (b?.['type'] !== 'message' || att?.contentType !== 'application/vnd.microsoft.card.adaptive') {
      return json(400, { error: { code: 'InvalidTemplate', message: 'expected an Adaptive Card message' } });
    }
    if (att.content?.type !== 'AdaptiveCard') return json(400, { error: { code: 'InvalidCard' } });
    this.cards.push(att.content as Record<string, unknown>);
    return { status: 202 };
  }
}
