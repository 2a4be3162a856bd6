import { normalizeSchedule } from './normalize.ts';
import type { ScheduleDef } from './model.ts';
import { ScheduleConfigSchema } from './schema.ts';

/** Test helper: parses a schedule config object (as it would come from YAML) into a ScheduleDef. */
export function scheduleFrom(config: unknown): ScheduleDef {
  return normalizeSchedule(ScheduleConfigSchema.parse(config));
}

/** Test helper: epoch ms of an ISO instant. */
export function t(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`bad instant ${iso}`);
  return ms;
}

/** Test helper: renders an instant as ISO UTC without milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
