import type { Severity } from './severity.ts';

/** The three states of an incident; transitions only move forward, except re-trigger. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

/** An incident as the API and CLI show it. Times are epoch milliseconds. */
export interface Incident {
  id: number;
  /** Human id, `INC-<number>`. */
  key: string;
  number: number;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  service: string;
  groupKey: string;
  triggeredAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  manual: boolean;
  assignee: string | null;
  updatedAt: number;
  /** The escalation policy the route chose; null means the default policy. */
  escalationPolicy: string | null;
  /** The routing-tree node whose group opened it. */
  routeId: string | null;
}

/** The kinds of timeline event; stored as text, never renamed once shipped. */
export type TimelineType =
  | 'incident.triggered'
  | 'incident.declared'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'incident.severity_changed'
  | 'alert.attached'
  | 'alert.resolved'
  | 'alert.refired'
  | 'alert.flapping'
  | 'note.added'
  | 'escalation.started'
  | 'escalation.level_fired'
  | 'escalation.level_empty'
  | 'escalation.escalated'
  | 'escalation.retriggered'
  | 'escalation.policy_changed';

/** One append-only timeline entry. */
export interface TimelineEvent {
  id: number;
  incidentId: number;
  at: number;
  type: TimelineType;
  actor: string;
  data: Record<string, unknown>;
}

/** Formats the human id of an incident number. */
export function incidentKey(n: number): string {
  return `INC-${n}`;
}

/** Reads `INC-12`, `inc-12` or `12` into the incident number, or undefined. */
export function parseIncidentRef(ref: string): number | undefined {
  const m = /^(?:inc-)?(\d{1,15})$/i.exec(ref.trim());
  return m ? Number(m[1]) : undefined;
}
