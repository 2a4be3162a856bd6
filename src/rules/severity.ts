/**
 * vigil's severity scale and how each backend spells it. Teams coming from Prometheus write
 * `page`/`warning`/`info`; those are accepted and mapped so one library uses one scale.
 */

/** The canonical severities, most urgent first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** A canonical severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Prometheus-habit aliases and what they mean in vigil. */
const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  page: 'critical',
  warning: 'medium',
  info: 'low',
};

/** Maps a written severity to the canonical one, or undefined when it is not allowed. */
export function normalizeSeverity(text: string): Severity | undefined {
  const lower = text.toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(lower)) return lower as Severity;
  return SEVERITY_ALIASES[lower];
}

/** Azure Monitor severity (0 = Critical … 4 = Verbose); vigil uses 0–3. */
export function azureSeverity(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
