import type { FieldIssue } from '../shared/errors.ts';
import type { Override, ScheduleDef } from './model.ts';

/**
 * Rules for runtime overrides (created through the API, stored by the store): an override must
 * be a positive window, name users the schedule can use, and must not overlap another override
 * involving the same user (as in GoAlert, where a database trigger rejects it).
 */

/** Users an override involves (the one put on call and the one taken off). */
export function overrideUsers(o: Override): string[] {
  return [o.user, o.replaces].filter((u): u is string => u !== undefined);
}

/**
 * Pairs of overrides (by index) that overlap in time and involve the same user. Used for both
 * config overrides and runtime ones; touching windows ([a,b) and [b,c)) do not overlap.
 */
export function overlappingOverrides(list: readonly Override[]): { a: number; b: number; user: string }[] {
  const out: { a: number; b: number; user: string }[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const x = list[i] as Override;
      const y = list[j] as Override;
      if (!(x.start < y.end && y.start < x.end)) continue;
      const shared = overrideUsers(x).find((u) => overrideUsers(y).includes(u));
      if (shared !== undefined) out.push({ a: i, b: j, user: shared });
    }
  }
  return out;
}

/** Context for `validateOverride`: who exists, and the overrides already stored. */
export interface OverrideContext {
  /** Known user ids; when given, unknown users are rejected. */
  users?: ReadonlySet<string>;
  /** Overrides already in force for this schedule (config ones are read from the schedule). */
  existing: readonly Override[];
}

/**
 * Checks a new runtime override against a schedule. Returns every problem as a FieldIssue
 * (fields `user`, `replaces`, `start`, `end`, `kind`); an empty list means it may be stored.
 */
export function validateOverride(def: ScheduleDef, o: Override, ctx: OverrideContext): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!Number.isFinite(o.start)) issues.push({ field: 'start', message: 'start must be a valid instant' });
  if (!Number.isFinite(o.end)) issues.push({ field: 'end', message: 'end must be a valid instant' });
  else if (!(o.end > o.start)) issues.push({ field: 'end', message: 'end must be after start' });
  const needsUser = o.kind !== 'remove';
  const needsReplaces = o.kind === 'replace' || o.kind === 'remove';
  if (needsUser && o.user === undefined)
    issues.push({ field: 'user', message: `a ${o.kind} override needs user` });
  if (needsReplaces && o.replaces === undefined) {
    issues.push({ field: 'replaces', message: `a ${o.kind} override needs replaces` });
  }
  if (o.user !== undefined && o.user === o.replaces) {
    issues.push({ field: 'replaces', message: 'an override cannot replace a user with themselves' });
  }
  for (const field of ['user', 'replaces'] as const) {
    const u = o[field];
    if (u !== undefined && ctx.users && !ctx.users.has(u))
      issues.push({ field, message: `unknown user ${u}` });
  }
  const all = [...def.overrides, ...ctx.existing].filter((x) => x.id !== o.id);
  for (const c of overlappingOverrides([o, ...all])) {
    if (c.a !== 0) continue;
    const other = all[c.b - 1];
    issues.push({
      field: 'start',
      message: `overlaps override ${other?.id ?? '?'} involving the same user ${c.user}`,
    });
  }
  return issues;
}
