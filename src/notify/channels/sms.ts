import { z } from 'zod';
import { truncate } from '../escape.ts';
import { classifyStatus, sendHttp, type SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/**
 * SMS through Twilio's Messages API over plain HTTPS: form-encoded POST with HTTP Basic auth
 * (`account_sid:auth_token`, or `api_key_sid:auth_token` with an API key).
 */
export const smsChannelSchema = channelBase
  .extend({
    type: z.literal('sms'),
    account_sid: z.string().regex(/^AC[0-9a-zA-Z]+$/, 'account_sid starts with AC'),
    api_key_sid: z
      .string()
      .regex(/^SK[0-9a-zA-Z]+$/, 'api_key_sid starts with SK')
      .optional(),
    auth_token: secretRefSchema,
    from: z
      .string()
      .regex(/^\+[1-9]\d{1,14}$/, 'from is an E.164 number')
      .optional(),
    messaging_service_sid: z
      .string()
      .regex(/^MG[0-9a-zA-Z]+$/)
      .optional(),
    api_url: z.url().default('https://api.twilio.com'),
    /** Numbers for routed (non-user) notifications. */
    to: z.array(z.string().regex(/^\+[1-9]\d{1,14}$/, 'to is an E.164 number')).default([]),
  })
  .strict();
/** SMS channel config with secrets resolved. */
export type SmsChannelConfig = Resolved<z.infer<typeof smsChannelSchema>>;

/** The rendered SMS text. */
export interface SmsPayload {
  type: 'sms';
  body: string;
}

/** Twilio caps Body at 1,600 characters. */
export const SMS_LIMITS = { body: 1600 };

/** Renders a short text: title, incident id and the one-click acknowledge link. */
export function renderSms(m: MessageInput): SmsPayload {
  const ack = m.links.find((l) => l.kind === 'ack');
  const tail = [
    m.view.id,
    ack && m.event !== 'acknowledged' && m.event !== 'resolved' ? `Ack: ${ack.url}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const title = m.text('title', 'plain');
  const room = SMS_LIMITS.body - tail.length - 1;
  const body =
    room > 20 ? `${truncate(title, room)}\n${tail}` : truncate(`${title}\n${tail}`, SMS_LIMITS.body);
  return { type: 'sms', body };
}

/** Sends one SMS to `target` (E.164); 201 delivered, 400/401 permanent, 429/5xx retried. */
export function sendSms(
  cfg: SmsChannelConfig,
  p: SmsPayload,
  target: string | undefined,
  ctx: SendContext,
  redact: (s: string) => string,
): Promise<DeliveryOutcome> {
  const to = target ?? cfg.to[0];
  if (!to) return Promise.resolve({ kind: 'permanent', error: 'sms: no recipient' });
  const form = new URLSearchParams({ To: to, Body: truncate(p.body, SMS_LIMITS.body) });
  if (cfg.messaging_service_sid) form.set('MessagingServiceSid', cfg.messaging_service_sid);
  else if (cfg.from) form.set('From', cfg.from);
  const user = cfg.api_key_sid ?? cfg.account_sid;
  const req = {
    method: 'POST' as const,
    url: `${cfg.api_url.replace(/\/$/, '')}/2010-04-01/Accounts/${cfg.account_sid}/Messages.json`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${user}:${cfg.auth_token}`).toString('base64')}`,
    },
    body: form.toString(),
  };
  return sendHttp(req, ctx, (r) => classifyStatus(r, ctx.now), redact);
}
