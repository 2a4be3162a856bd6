/** A label set: names to non-empty values. Labels are an alert's identity. */
export type Labels = Record<string, string>;

/**
 * One alert as vigil keeps it, whatever format it arrived in. Times are epoch milliseconds.
 * `endsAt` is always set: when the source did not send one it is now + resolve_timeout and
 * `timeout` is true (Alertmanager's rule).
 */
export interface Alert {
  fingerprint: string;
  labels: Labels;
  annotations: Labels;
  startsAt: number;
  endsAt: number;
  timeout: boolean;
  updatedAt: number;
  generatorURL: string;
  /** Which integration it came from: `alertmanager-api`, `alertmanager-webhook`, `generic`, … */
  source: string;
}

/** Firing until its endsAt has passed; resolved from then on. */
export function isFiring(alert: Pick<Alert, 'endsAt'>, now: number): boolean {
  return alert.endsAt > now;
}

/** Alertmanager's zero time, sent as endsAt of firing alerts in webhook payloads. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
