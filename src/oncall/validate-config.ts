import type { z } from 'zod';
import type { FieldIssue } from '../shared/errors.ts';
import { issueAt, zodIssues, type YamlSource } from '../config/yaml-source.ts';
import { EscalationPolicySchema, type EscalationPolicyConfig } from '../escalation/schema.ts';
import { parseTarget } from '../escalation/policy.ts';
import { TeamConfigSchema, UserConfigSchema, type TeamConfig, type UserConfig } from './people-schema.ts';
import { ScheduleConfigSchema, type ScheduleConfig } from './schema.ts';
import { scheduleIssues } from './validate-schedule.ts';
import { isValidZone } from './zone-time.ts';

/**
 * Validates the `users`, `teams`, `schedules` and `escalation_policies` sections of a config
 * document and reports every problem at once, each with file, line, column and field. Sections
 * that are absent are skipped; when `users:` is absent, user references are not checked.
 */

/** Options for `validateOncallConfig`. */
export interface OncallValidationOptions {
  /** Channel ids defined elsewhere in the config; when given, `channel:ID` targets are checked. */
  channels?: ReadonlySet<string>;
}

/** The sections this module owns, parsed (entries that failed to parse are left out). */
export interface OncallSections {
  users: UserConfig[];
  teams: TeamConfig[];
  schedules: ScheduleConfig[];
  escalationPolicies: EscalationPolicyConfig[];
}

function section<T>(
  src: YamlSource,
  root: Record<string, unknown>,
  name: string,
  schema: z.ZodType<T>,
  issues: FieldIssue[],
): { value: T; index: number }[] | undefined {
  const raw = root[name];
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    issues.push(issueAt(src, [name], `${name} must be a list`));
    return [];
  }
  const out: { value: T; index: number }[] = [];
  raw.forEach((item, index) => {
    const r = schema.safeParse(item);
    if (r.success) out.push({ value: r.data, index });
    else issues.push(...zodIssues(src, r.error, [name, index]));
  });
  return out;
}

function duplicates<T extends { id: string }>(
  src: YamlSource,
  name: string,
  items: readonly { value: T; index: number }[],
  issues: FieldIssue[],
): void {
  const seen = new Map<string, number>();
  for (const { value, index } of items) {
    const first = seen.get(value.id);
    if (first !== undefined)
      issues.push(issueAt(src, [name, index, 'id'], `duplicate id ${value.id} (first at ${name}[${first}])`));
    else seen.set(value.id, index);
  }
}

/**
 * Validates the on-call sections of `value` (the parsed document of `src`). Returns all issues;
 * an empty list means `parseOncallSections` will succeed.
 */
export function validateOncallConfig(
  src: YamlSource,
  value: unknown,
  options: OncallValidationOptions = {},
): FieldIssue[] {
  return check(src, value, options).issues;
}

/** Validates and returns the parsed sections together (see `validateOncallConfig`). */
export function parseOncallSections(
  src: YamlSource,
  value: unknown,
  options: OncallValidationOptions = {},
): { sections: OncallSections; issues: FieldIssue[] } {
  return check(src, value, options);
}

function check(
  src: YamlSource,
  value: unknown,
  options: OncallValidationOptions,
): { sections: OncallSections; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const root =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const users = section(src, root, 'users', UserConfigSchema, issues);
  const teams = section(src, root, 'teams', TeamConfigSchema, issues) ?? [];
  const schedules = section(src, root, 'schedules', ScheduleConfigSchema, issues) ?? [];
  const policies = section(src, root, 'escalation_policies', EscalationPolicySchema, issues) ?? [];

  duplicates(src, 'users', users ?? [], issues);
  duplicates(src, 'teams', teams, issues);
  duplicates(src, 'schedules', schedules, issues);
  duplicates(src, 'escalation_policies', policies, issues);

  // No users: section means every user reference is unknown; an invalid one skips the checks (its own errors are reported).
  const userIds = users
    ? new Set(users.map((u) => u.value.id))
    : root['users'] === undefined
      ? new Set<string>()
      : undefined;
  for (const { value: u, index } of users ?? []) {
    if (u.time_zone !== undefined && !isValidZone(u.time_zone)) {
      issues.push(issueAt(src, ['users', index, 'time_zone'], `unknown time zone ${u.time_zone}`));
    }
  }
  for (const { value: t, index } of teams) {
    if (!userIds) break;
    t.members.forEach((m, mi) => {
      if (!userIds.has(m)) issues.push(issueAt(src, ['teams', index, 'members', mi], `unknown user ${m}`));
    });
    if (t.manager !== undefined && !userIds.has(t.manager)) {
      issues.push(issueAt(src, ['teams', index, 'manager'], `unknown user ${t.manager}`));
    }
  }
  for (const { value: s, index } of schedules)
    issues.push(...scheduleIssues(src, ['schedules', index], s, userIds));

  const scheduleIds = new Set(schedules.map((s) => s.value.id));
  const teamIds = new Set(teams.map((t) => t.value.id));
  for (const { value: p, index } of policies) {
    p.levels.forEach((l, li) =>
      l.notify.forEach((text, ti) => {
        const t = parseTarget(text);
        const path = ['escalation_policies', index, 'levels', li, 'notify', ti];
        if (!t) return void issues.push(issueAt(src, path, `bad target ${text}`));
        const missing =
          (t.kind === 'user' && userIds && !userIds.has(t.id)) ||
          (t.kind === 'schedule' && !scheduleIds.has(t.id)) ||
          (t.kind === 'team' && !teamIds.has(t.id)) ||
          (t.kind === 'channel' && options.channels && !options.channels.has(t.id));
        if (missing) issues.push(issueAt(src, path, `target ${text} does not exist`));
      }),
    );
  }
  const sections: OncallSections = {
    users: (users ?? []).map((x) => x.value),
    teams: teams.map((x) => x.value),
    schedules: schedules.map((x) => x.value),
    escalationPolicies: policies.map((x) => x.value),
  };
  return { sections, issues };
}
