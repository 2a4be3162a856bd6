import { z } from 'zod';
import { truncate, truncateBytes } from '../escape.ts';
import { classifyStatus, sendHttp, type SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/**
 * Microsoft Teams through a Workflows ("When a Teams webhook request is received") URL carrying an
 * Adaptive Card 1.4. The URL carries its own `sig=` and is a secret; a tenant-only flow also
 * needs a bearer token. Office 365 connector MessageCards are retired and not supported.
 */
export const teamsChannelSchema = channelBase
  .extend({
    type: z.literal('teams'),
    webhook_url: secretRefSchema,
    bearer_token: secretRefSchema.optional(),
  })
  .strict();
/** Teams channel config with secrets resolved. */
export type TeamsChannelConfig = Resolved<z.infer<typeof teamsChannelSchema>>;

/** The rendered Teams message (a `message` with one Adaptive Card attachment). */
export interface TeamsPayload {
  type: 'teams';
  body: Record<string, unknown>;
}

/** Teams limits: about 28 KB per message; text blocks kept well under it. */
export const TEAMS_LIMITS = { bytes: 27_000, title: 400, body: 12_000, fact: 1_000 };

const COLOR: Record<string, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Default',
};

/** Renders an Adaptive Card with title, body, FactSet and Action.OpenUrl buttons. */
export function renderTeams(m: MessageInput): TeamsPayload {
  // Adaptive Card TextBlocks render a markdown subset; the title is plain and the body is
  // rendered with 'plain' escaping, then cut to the byte budget below.
  const title = truncate(m.text('title', 'plain'), TEAMS_LIMITS.title);
  const body = truncateBytes(m.text('body', 'plain'), TEAMS_LIMITS.body);
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        size: 'Large',
        weight: 'Bolder',
        color: m.event === 'resolved' ? 'Good' : (COLOR[m.view.severity] ?? 'Default'),
        text: title,
        wrap: true,
      },
      ...(body.trim() ? [{ type: 'TextBlock', text: body, wrap: true }] : []),
      {
        type: 'FactSet',
        facts: m.facts.map((f) => ({ title: f.name, value: truncate(f.value, TEAMS_LIMITS.fact) })),
      },
    ],
    actions: m.links.map((l) => ({ type: 'Action.OpenUrl', title: l.label, url: l.url })),
  };
  return {
    type: 'teams',
    body: {
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    },
  };
}

/** Posts the card; Workflows answers 202 (delivery to the channel is asynchronous). */
export function sendTeams(
  cfg: TeamsChannelConfig,
  p: TeamsPayload,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.bearer_token) headers['authorization'] = `Bearer ${cfg.bearer_token}`;
  const req = { method: 'POST' as const, url: cfg.webhook_url, headers, body: JSON.stringify(p.body) };
  return sendHttp(req, ctx, (r) => classifyStatus(r, ctx.now), redact);
}
