import type { NotifySeverity } from './types.ts';

/** The two urgencies user notification rules are written for. */
export type Urgency = 'high' | 'low';

/**
 * The default severity → urgency mapping: critical and high page (high urgency); medium and low
 * notify quietly (low urgency). Config can override it under `notifications.urgency`.
 */
export const DEFAULT_URGENCY: Readonly<Record<NotifySeverity, Urgency>> = {
  critical: 'high',
  high: 'high',
  medium: 'low',
  low: 'low',
};

/** Maps a severity to its urgency, with an optional override table. */
export function urgencyOf(
  severity: NotifySeverity,
  overrides: Partial<Record<NotifySeverity, Urgency>> = {},
): Urgency {
  return overrides[severity] ?? DEFAULT_URGENCY[severity];
}
