import { z } from 'zod';
import { parseIncidentRef } from '../../incidents/incident.ts';
import { VigilError } from '../../shared/errors.ts';

/** An RFC 3339 time in a query or body, read as epoch milliseconds; anything else names the field. */
export const timeParam = z.string().transform((s, c) => {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) {
    c.addIssue({ code: 'custom', message: 'must be an RFC 3339 time, e.g. 2026-11-27T10:00:00Z' });
    return z.NEVER;
  }
  return ms;
});

/** Reads the `:ref` path parameter (`INC-12` or `12`) into an incident number, or a 400 naming it. */
export function incidentNumberParam(ref: string): number {
  const n = parseIncidentRef(ref);
  if (n === undefined) {
    throw new VigilError('validation_failed', 'bad incident id', [
      { field: 'params.ref', message: 'must look like INC-12 or 12' },
    ]);
  }
  return n;
}
