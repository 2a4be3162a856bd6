/** vigil's four severities, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

const aliases: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  emergency: 'critical',
  fatal: 'critical',
  disaster: 'critical',
  p1: 'critical',
  sev1: 'critical',
  high: 'high',
  error: 'high',
  err: 'high',
  major: 'high',
  p2: 'high',
  sev2: 'high',
  medium: 'medium',
  warning: 'medium',
  warn: 'medium',
  moderate: 'medium',
  average: 'medium',
  p3: 'medium',
  sev3: 'medium',
  low: 'low',
  minor: 'low',
  info: 'low',
  informational: 'low',
  notice: 'low',
  debug: 'low',
  none: 'low',
  p4: 'low',
  p5: 'low',
  sev4: 'low',
  sev5: 'low',
};

/**
 * Maps a `severity` label to vigil's severity, accepting Prometheus habits (`page`, `warning`,
 * `info`) and P/SEV numbers, case-insensitively. No label means `medium`; a value vigil does not
 * know means `high`, so that an unfamiliar spelling of something serious still wakes someone
 * (docs/incidents.md lists the table).
 */
export function mapSeverity(label: string | undefined): Severity {
  if (label === undefined || label.trim() === '') return 'medium';
  return aliases[label.trim().toLowerCase()] ?? 'high';
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

/** Type guard for severity strings read from the store or an API. */
export function isSeverity(s: string): s is Severity {
  return (SEVERITIES as readonly string[]).includes(s);
}
