import type { EscapeMode } from './escape.ts';
import type { IncidentView, NotifyEvent } from './types.ts';

/** One link shown with a notification (as a button where the channel has buttons). */
export interface MessageLink {
  kind: 'runbook' | 'dashboard' | 'incident' | 'ack' | 'resolve';
  label: string;
  url: string;
}

/**
 * What a channel renderer receives: the event, the raw view (for structured fields such as
 * PagerDuty's severity), the templated title/body in whichever escaping the channel needs, the
 * key facts and the links. Channel renderers build their payload from this and nothing else.
 */
export interface MessageInput {
  event: NotifyEvent;
  view: IncidentView;
  text(field: 'title' | 'body', mode: EscapeMode): string;
  facts: { name: string; value: string }[];
  links: MessageLink[];
}

/** The stable key a channel uses to deduplicate an incident (PagerDuty dedup_key, Opsgenie alias). */
export function dedupKey(view: IncidentView): string {
  return `vigil-${view.id}`;
}
