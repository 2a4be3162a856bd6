import type { Labels } from '../alerts/alert.ts';

/** Which incident an alert belongs to: alerts with the same key share one open incident. */
export interface IncidentGroup {
  key: string;
  title: string;
  service: string;
  /** The routing-tree node that owns the group (`0` for the root). */
  routeId?: string;
  /** The escalation policy the route chose; the default policy when absent. */
  escalationPolicy?: string;
}

/** Decides the incident group of an alert from its labels. */
export type GroupFn = (labels: Labels) => IncidentGroup;
