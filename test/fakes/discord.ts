import { FakeServer, json, parseJson, type FakeReply, type RecordedRequest } from './fake-server.ts';

interface Embed {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
}

/**
 * Fake Discord webhook at /api/webhooks/<id>/<token>: unknown id → 404 (code 10015), wrong token
 * → 401 (50027), content over 2000 or embeds over their limits → 400 with the offending field,
 * 200 with the message under `?wait=true`, 204 otherwise.
 */
export class FakeDiscord extends FakeServer {
  readonly messages: { content: string; embeds: Embed[]; allowed_mentions: unknown }[] = [];

  constructor(
    readonly id: string,
    readonly token: string,
  ) {
    super();
  }

  /** The full webhook URL (a secret). */
  webhookUrl(): string {
    return `${this.url}/api/webhooks/${this.id}/${this.token}`;
  }

  protected handle(req: RecordedRequest): FakeReply {
    const m = /^\/api\/webhooks\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (!m || m[1] !== this.id) return json(404, { message: 'Unknown Webhook', code: 10015 });
    if (m[2] !== this.token) return json(401, { message: 'Invalid Webhook Token', code: 50027 });
    const b = parseJson(req.body);
    if (!b) return json(400, { message: 'Cannot send an empty message', code: 50006 });
    const content = String(b['content'] ?? '');
    const embeds = (b['embeds'] ?? []) as Embed[];
    if (content.length > 2000) return json(400, { content: ['Must be 2000 or fewer in length.'] });
    if (embeds.length > 10) return json(400, { embeds: ['Must be 10 or fewer in length.'] });
    let total = 0;
    for (const e of embeds) {
      if ((e.title?.length ?? 0) > 256) return json(400, { embeds: { title: 'too long' } });
      if ((e.description?.length ?? 0) > 4096) return json(400, { embeds: { description: 'too long' } });
      if ((e.fields?.length ?? 0) > 25) return json(400, { embeds: { fields: 'too many' } });
      for (const f of e.fields ?? []) {
        if (f.name.length > 256 || f.value.length > 1024)
          return json(400, { embeds: { fields: 'too long' } });
        total += f.name.length + f.value.length;
      }
      total += (e.title?.length ?? 0) + (e.description?.length ?? 0);
    }
    if (total > 6000) return json(400, { embeds: ['Embed size exceeds maximum size of 6000'] });
    this.messages.push({ content, embeds, allowed_mentions: b['allowed_mentions'] });
    return req.query.get('wait') === 'true'
      ? json(200, { id: String(this.messages.length), content })
      : { status: 204 };
  }
}
