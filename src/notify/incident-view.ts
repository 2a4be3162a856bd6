import { z } from 'zod';
import type { IncidentView } from './types.ts';
import { NOTIFY_SEVERITIES } from './types.ts';

const time = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
const optionalUrl = z.url().optional();

/**
 * An incident view as JSON (for `vigil template render --incident FILE` and API previews): the
 * fields of {@link IncidentView}, with times as epoch ms or ISO-8601 strings.
 */
export const incidentViewSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().min(1),
    severity: z.enum(NOTIFY_SEVERITIES),
    status: z.enum(['triggered', 'acknowledged', 'resolved']).default('triggered'),
    service: z.string().default('unknown'),
    summary: z.string().optional(),
    value: z.string().optional(),
    labels: z.record(z.string(), z.string()).default({}),
    triggeredAt: time,
    resolvedAt: time.optional(),
    runbookUrl: optionalUrl,
    dashboardUrl: optionalUrl,
    url: optionalUrl,
    ackUrl: optionalUrl,
    resolveUrl: optionalUrl,
    actor: z.string().optional(),
    escalationLevel: z.number().int().positive().optional(),
    handoff: z.object({ from: z.string(), to: z.string() }).strict().optional(),
  })
  .strict();

/** Parses an incident view from JSON-like input (throws ZodError with every issue). */
export function parseIncidentView(value: unknown): IncidentView {
  return incidentViewSchema.parse(value) as IncidentView;
}
