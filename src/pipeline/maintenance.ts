import { z } from 'zod';
import { inTimeIntervalSpec, timeIntervalSpecSchema } from './time-intervals.ts';

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 time' });

/**
 * Maintenance windows per service: while one is in effect, alerts of its services are still
 * recorded (and visible, with the window named) but open no page. A window is either one-off
 * (`starts_at`/`ends_at`) or recurring (`time_intervals`, same spec as Alertmanager's), or both
 * (recurring within the one-off bounds).
 */
export const maintenanceWindowsSchema = z.array(
  z
    .strictObject({
      name: z.string().min(1),
      services: z.array(z.string().min(1)).min(1),
      starts_at: instant.optional(),
      ends_at: instant.optional(),
      time_intervals: z.array(timeIntervalSpecSchema).optional(),
      reason: z.string().optional(),
    })
    .refine((w) => w.starts_at !== undefined || w.ends_at !== undefined || w.time_intervals !== undefined, {
      message: 'a maintenance window needs starts_at/ends_at or time_intervals',
    })
    .refine((w) => !w.starts_at || !w.ends_at || Date.parse(w.ends_at) > Date.parse(w.starts_at), {
      message: 'ends_at must be after starts_at',
      path: ['ends_at'],
    }),
);

/** A maintenance window as written in YAML. */
export type MaintenanceWindow = z.infer<typeof maintenanceWindowsSchema>[number];

/** True when window `w` is in effect at `now` (start inclusive, end exclusive). */
export function windowActive(w: MaintenanceWindow, now: number): boolean {
  if (w.starts_at && now < Date.parse(w.starts_at)) return false;
  if (w.ends_at && now >= Date.parse(w.ends_at)) return false;
  if (w.time_intervals && !w.time_intervals.some((s) => inTimeIntervalSpec(s, now))) return false;
  return true;
}

/** Names of the windows that put `service` in maintenance at `now` (empty: page normally). */
export function maintenanceFor(
  service: string,
  windows: readonly MaintenanceWindow[],
  now: number,
): string[] {
  return windows.filter((w) => w.services.includes(service) && windowActive(w, now)).map((w) => w.name);
}

/** True when `service` is in maintenance at `now`: no new pages; alerts are still recorded. */
export function isInMaintenance(
  service: string,
  windows: readonly MaintenanceWindow[],
  now: number,
): boolean {
  return maintenanceFor(service, windows, now).length > 0;
}
