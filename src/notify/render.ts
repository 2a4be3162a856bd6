import { z } from 'zod';
import { renderDiscord } from './channels/discord.ts';
import { renderEmail } from './channels/email.ts';
import type { ChannelPayload } from './channels/index.ts';
import { renderOpsgenie } from './channels/opsgenie.ts';
import { renderPagerDuty } from './channels/pagerduty.ts';
import { renderSlack } from './channels/slack.ts';
import { renderSms } from './channels/sms.ts';
import { renderTeams } from './channels/teams.ts';
import { renderWebhook } from './channels/webhook.ts';
import type { EscapeMode } from './escape.ts';
import type { MessageInput, MessageLink } from './message.ts';
import { compileTemplate, renderTemplate, type CompiledTemplate, type TemplateVars } from './template.ts';
import { DEFAULT_TEMPLATES } from './templates-default.ts';
import {
  CHANNEL_TYPES,
  NOTIFY_EVENTS,
  type ChannelType,
  type IncidentView,
  type NotifyEvent,
} from './types.ts';
import { urgencyOf } from './urgency.ts';

const eventTemplates = z.object({ title: z.string().optional(), body: z.string().optional() }).strict();
const perEvent = z
  .object(Object.fromEntries([...NOTIFY_EVENTS, 'default'].map((e) => [e, eventTemplates.optional()])))
  .strict();

/**
 * `templates:` in config: per channel type (or `default` for all) and per event (or `default` for
 * all events), a `title` and/or `body` template. Lookup order: type.event, type.default,
 * default.event, default.default, built-in.
 */
export const templateOverridesSchema = z
  .object(Object.fromEntries([...CHANNEL_TYPES, 'default'].map((t) => [t, perEvent.optional()])))
  .strict();
/** Template overrides as written in config. */
export type TemplateOverrides = Partial<
  Record<
    ChannelType | 'default',
    Partial<Record<NotifyEvent | 'default', { title?: string | undefined; body?: string | undefined }>>
  >
>;

/** Options for {@link renderNotification}. */
export interface RenderOptions {
  templates?: TemplateOverrides | undefined;
  /** Webhook body format (channel config `format`). */
  webhookFormat?: 'vigil' | 'alertmanager' | undefined;
  webhookReceiver?: string | undefined;
}

const compiled = new Map<string, CompiledTemplate>();
function compileCached(source: string): CompiledTemplate {
  let t = compiled.get(source);
  if (!t) {
    t = compileTemplate(source);
    if (compiled.size > 500) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/** Picks the template source for a field following the documented lookup order. */
export function templateSource(
  overrides: TemplateOverrides | undefined,
  type: ChannelType,
  event: NotifyEvent,
  field: 'title' | 'body',
): string {
  const o = overrides;
  return (
    o?.[type]?.[event]?.[field] ??
    o?.[type]?.default?.[field] ??
    o?.default?.[event]?.[field] ??
    o?.default?.default?.[field] ??
    DEFAULT_TEMPLATES[event][field]
  );
}

const HIDDEN_LABELS = new Set(['alertname', 'severity', 'service']);

/** The flat variable map templates read (see TEMPLATE_VARIABLES). */
export function templateVars(event: NotifyEvent, v: IncidentView): TemplateVars {
  const keyLabels = Object.entries(v.labels)
    .filter(([k]) => !HIDDEN_LABELS.has(k))
    .slice(0, 8)
    .map(([k, val]) => `${k}=${val}`)
    .join(', ');
  const vars: Record<string, string | undefined> = {
    event,
    'incident.id': v.id,
    'incident.title': v.title,
    'incident.severity': v.severity,
    'incident.urgency': urgencyOf(v.severity),
    'incident.status': v.status,
    'incident.service': v.service,
    'incident.summary': v.summary,
    'incident.value': v.value,
    'incident.triggered_at': new Date(v.triggeredAt).toISOString(),
    'incident.resolved_at': v.resolvedAt ? new Date(v.resolvedAt).toISOString() : undefined,
    'incident.key_labels': keyLabels || undefined,
    'links.runbook': v.runbookUrl,
    'links.dashboard': v.dashboardUrl,
    'links.incident': v.url,
    'links.ack': v.ackUrl,
    'links.resolve': v.resolveUrl,
    actor: v.actor,
    escalation_level: v.escalationLevel === undefined ? undefined : String(v.escalationLevel),
    'handoff.from': v.handoff?.from,
    'handoff.to': v.handoff?.to,
  };
  for (const [k, val] of Object.entries(v.labels)) vars[`incident.labels.${k}`] = val;
  return vars;
}

/** Key facts shown as fields: severity, service, value, then labels. */
function facts(v: IncidentView): { name: string; value: string }[] {
  const out = [
    { name: 'Severity', value: v.severity },
    { name: 'Service', value: v.service },
  ];
  if (v.value) out.push({ name: 'Value', value: v.value });
  for (const [k, val] of Object.entries(v.labels)) {
    if (!HIDDEN_LABELS.has(k) && out.length < 10) out.push({ name: k, value: val });
  }
  return out;
}

/** Links in display order; ack/resolve only while they still make sense for the event. */
function links(event: NotifyEvent, v: IncidentView): MessageLink[] {
  const open = event !== 'resolved';
  const out: (MessageLink | undefined)[] = [
    open && event !== 'acknowledged' && v.ackUrl
      ? { kind: 'ack', label: 'Acknowledge', url: v.ackUrl }
      : undefined,
    open && v.resolveUrl ? { kind: 'resolve', label: 'Resolve', url: v.resolveUrl } : undefined,
    v.runbookUrl ? { kind: 'runbook', label: 'Runbook', url: v.runbookUrl } : undefined,
    v.dashboardUrl ? { kind: 'dashboard', label: 'Dashboard', url: v.dashboardUrl } : undefined,
    v.url ? { kind: 'incident', label: `Open ${v.id}`, url: v.url } : undefined,
  ];
  return out.filter((l): l is MessageLink => l !== undefined && /^https?:\/\//.test(l.url));
}

/**
 * Renders one notification for a channel type and event into that channel's payload: templated,
 * escaped for the target markup and cut to the channel's limits (with `…[truncated]`). Pure: the
 * same input gives the same payload. Returns null when the channel has nothing to send for the
 * event (PagerDuty and Opsgenie on `handoff`). Throws TemplateError for a bad override; config
 * validation reports those earlier, so at page time this does not happen.
 */
export function renderNotification(
  type: ChannelType,
  event: NotifyEvent,
  view: IncidentView,
  options: RenderOptions = {},
): ChannelPayload | null {
  // Worked out when a channel reads them, once: an Alertmanager-format webhook (the payload a
  // storm's hundreds of first pages often are) reads none of them.
  let vars: TemplateVars | undefined;
  let shownFacts: MessageInput['facts'] | undefined;
  let shownLinks: MessageLink[] | undefined;
  const input: MessageInput = {
    event,
    view,
    text: (field, mode: EscapeMode) =>
      renderTemplate(
        compileCached(templateSource(options.templates, type, event, field)),
        (vars ??= templateVars(event, view)),
        mode,
      ),
    get facts() {
      return (shownFacts ??= facts(view));
    },
    get links() {
      return (shownLinks ??= links(event, view));
    },
  };
  switch (type) {
    case 'slack':
      return renderSlack(input);
    case 'teams':
      return renderTeams(input);
    case 'discord':
      return renderDiscord(input);
    case 'pagerduty':
      return renderPagerDuty(input);
    case 'opsgenie':
      return renderOpsgenie(input);
    case 'email':
      return renderEmail(input);
    case 'sms':
      return renderSms(input);
    case 'webhook':
      return renderWebhook(input, options.webhookFormat ?? 'vigil', options.webhookReceiver);
  }
}
