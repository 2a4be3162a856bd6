import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { escapeHtml, truncate } from '../escape.ts';
import type { SendContext } from '../http.ts';
import type { MessageInput } from '../message.ts';
import { secretRefSchema } from '../secrets.ts';
import type { DeliveryOutcome, NotifyEvent } from '../types.ts';
import { channelBase, type Resolved } from './base.ts';

/** Email over SMTP (nodemailer). Port 465 means implicit TLS (`secure: true`); 587 uses STARTTLS. */
export const emailChannelSchema = channelBase
  .extend({
    type: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    secure: z.boolean().default(false),
    require_tls: z.boolean().default(true),
    username: z.string().optional(),
    password: secretRefSchema.optional(),
    from: z.string().min(3),
    /** Recipients for routed (non-user) notifications; user contact methods bring their own. */
    to: z.array(z.string().min(3)).default([]),
  })
  .strict();
/** Email channel config with secrets resolved. */
export type EmailChannelConfig = Resolved<z.infer<typeof emailChannelSchema>>;

/** The rendered mail: subject, text and HTML parts, and what threading needs. */
export interface EmailPayload {
  type: 'email';
  event: NotifyEvent;
  incidentId: string;
  subject: string;
  text: string;
  html: string;
}

/** Email limits: subject kept to one readable line; bodies are generous but bounded. */
export const EMAIL_LIMITS = { subject: 200, body: 100_000 };

/** Renders the text part (plain) and the HTML part (every value HTML-escaped). */
export function renderEmail(m: MessageInput): EmailPayload {
  const subject = truncate(m.text('title', 'plain').replace(/[\r\n]+/g, ' '), EMAIL_LIMITS.subject);
  const facts = m.facts.map((f) => `${f.name}: ${f.value}`).join('\n');
  const links = m.links.map((l) => `${l.label}: ${l.url}`).join('\n');
  const text = truncate(
    [m.text('body', 'plain'), facts, links].filter((s) => s.trim()).join('\n\n'),
    EMAIL_LIMITS.body,
  );
  const rows = m.facts
    .map((f) => `<tr><th align="left">${escapeHtml(f.name)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const buttons = m.links
    .map((l) => `<a href="${escapeHtml(l.url)}" style="margin-right:12px">${escapeHtml(l.label)}</a>`)
    .join('');
  const bodyHtml = truncate(m.text('body', 'html'), EMAIL_LIMITS.body).replace(/\n/g, '<br>\n');
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(m.text('title', 'plain'))}</h2><p>${bodyHtml}</p>` +
    (rows ? `<table cellpadding="4">${rows}</table>` : '') +
    (buttons ? `<p>${buttons}</p>` : '') +
    `</body></html>`;
  return { type: 'email', event: m.event, incidentId: m.view.id, subject, text, html };
}

/** The Message-ID of an incident's first mail; follow-ups reply to it so clients thread them. */
export function threadMessageId(incidentId: string, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'vigil.local';
  return `<vigil.${incidentId.replace(/[^A-Za-z0-9.-]/g, '_')}@${domain}>`;
}

const RETRYABLE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** Classifies a nodemailer error: SMTP 4xx and network errors retry; 5xx and auth are permanent. */
export function classifySmtpError(err: unknown): DeliveryOutcome {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const error =
    `smtp ${e.code ?? ''} ${e.responseCode ?? ''}: ${e.response ?? e.message ?? String(err)}`.trim();
  if (typeof e.responseCode === 'number') {
    return e.responseCode >= 400 && e.responseCode < 500
      ? { kind: 'retryable', status: e.responseCode, error }
      : { kind: 'permanent', status: e.responseCode, error };
  }
  if (e.code && RETRYABLE_CODES.has(e.code)) return { kind: 'retryable', error };
  return { kind: 'permanent', error };
}

/** One SMTP channel; keeps a transport per channel (no pool: the outbox already paces sends). */
export class EmailSender {
  private readonly transport: Transporter;

  constructor(private readonly cfg: EmailChannelConfig) {
    this.transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      requireTLS: cfg.require_tls && !cfg.secure,
      ignoreTLS: !cfg.require_tls && !cfg.secure,
      connectionTimeout: cfg.timeout_ms,
      greetingTimeout: cfg.timeout_ms,
      socketTimeout: cfg.timeout_ms,
      ...(cfg.username ? { auth: { user: cfg.username, pass: cfg.password ?? '' } } : {}),
    });
  }

  /** Sends the mail to `target` (comma-separated) or the channel's `to` list. */
  async send(
    p: EmailPayload,
    target: string | undefined,
    ctx: SendContext,
    redact: (s: string) => string,
  ): Promise<DeliveryOutcome> {
    const to = target ?? this.cfg.to.join(', ');
    if (!to) return { kind: 'permanent', error: 'email: no recipients' };
    const root = threadMessageId(p.incidentId, this.cfg.from);
    const threading = p.event === 'triggered' ? { messageId: root } : { inReplyTo: root, references: [root] };
    try {
      await this.transport.sendMail({
        from: this.cfg.from,
        to,
        subject: p.subject,
        text: p.text,
        html: p.html,
        headers: { 'X-Vigil-Incident': p.incidentId, 'X-Vigil-Notification': ctx.key },
        ...threading,
      });
      return { kind: 'delivered' };
    } catch (err) {
      const out = classifySmtpError(err);
      return out.kind === 'delivered' ? out : { ...out, error: redact(out.error) };
    }
  }

  /** Closes the transport. */
  close(): void {
    this.transport.close();
  }
}
