import type { NotifyEvent } from './types.ts';

/** A title and a body template for one event. */
export interface EventTemplates {
  title: string;
  body: string;
}

const HEAD = '{{ incident.id }} · {{ incident.service }} · {{ incident.severity }}';
const DETAIL =
  '{{#if incident.summary}}\n{{ incident.summary }}{{/if}}' +
  '{{#if incident.value}}\nValue: {{ incident.value }}{{/if}}' +
  '{{#if incident.key_labels}}\nLabels: {{ incident.key_labels }}{{/if}}';

/**
 * Built-in templates per event, shared by every channel (each channel lays the result out in its
 * own format and adds fact fields and link buttons in code). Users override any of them per
 * channel type and event under `templates:`.
 */
export const DEFAULT_TEMPLATES: Record<NotifyEvent, EventTemplates> = {
  triggered: {
    title: '[{{ incident.severity | upper }}] {{ incident.title }}',
    body: `${HEAD}${DETAIL}`,
  },
  acknowledged: {
    title: '[ACK] {{ incident.title }}',
    body: `${HEAD}\nAcknowledged by {{ actor | default "someone" }}`,
  },
  escalated: {
    title: '[ESCALATED] {{ incident.title }}',
    body: `${HEAD}\nEscalated to level {{ escalation_level | default "?" }}{{#if actor}} ({{ actor }}){{/if}}, not yet acknowledged${DETAIL}`,
  },
  resolved: {
    title: '[RESOLVED] {{ incident.title }}',
    body: `${HEAD}\nResolved{{#if actor}} by {{ actor }}{{/if}}`,
  },
  handoff: {
    title: '[HANDOFF] {{ incident.title }}',
    body: `${HEAD}\nOn-call handed over from {{ handoff.from | default "?" }} to {{ handoff.to | default "?" }}; this incident is still open`,
  },
};
