import type { z } from 'zod';
import type { YamlSource } from '../config/yaml-source.ts';
import { issueAt, zodIssues } from '../config/yaml-source.ts';
import type { FieldIssue } from '../shared/errors.ts';
import { aggregationRulesSchema, compileAggregationRules } from './aggregation.ts';
import { flapDetectionSchema } from './flap.ts';
import { compileInhibitRules, inhibitRulesSchema } from './inhibit.ts';
import { maintenanceWindowsSchema } from './maintenance.ts';
import { servicesSchema } from './priority.ts';
import { routeSchema, type RouteConfig } from './route-schema.ts';
import { resolveRouteTree, type RouteProblem } from './routing.ts';
import { timeIntervalsSchema } from './time-intervals.ts';

/** The pipeline's top-level config sections, for the main config loader to include. */
export const pipelineSchemas = {
  route: routeSchema,
  inhibit_rules: inhibitRulesSchema,
  time_intervals: timeIntervalsSchema,
  aggregation_rules: aggregationRulesSchema,
  flap_detection: flapDetectionSchema,
  maintenance_windows: maintenanceWindowsSchema,
  services: servicesSchema,
} as const;

/** The ids defined elsewhere in the config that routes may reference. */
export interface KnownIds {
  channels: ReadonlySet<string>;
  escalationPolicies: ReadonlySet<string>;
}

function routes(
  cfg: RouteConfig,
  path: (string | number)[],
  visit: (r: RouteConfig, p: (string | number)[]) => void,
) {
  visit(cfg, path);
  (cfg.routes ?? []).forEach((c, i) => routes(c, [...path, 'routes', i], visit));
}

function duplicates(src: YamlSource, list: unknown, section: string, out: FieldIssue[]): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((item: unknown, i) => {
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first !== undefined)
      out.push(
        issueAt(
          src,
          [section, i, 'name'],
          `duplicate name ${JSON.stringify(name)} (first at ${section}[${first}])`,
        ),
      );
    else seen.set(name, i);
  });
}

/**
 * Validates the pipeline sections of a config document and returns every issue at once, each with
 * file, line and field: schema errors, bad matchers and non-RE2 regexes, aggregation patterns that
 * do not parse, routes referencing unknown channels, escalation policies, services or time
 * intervals, and duplicate names.
 */
export function validatePipelineConfig(src: YamlSource, value: unknown, known: KnownIds): FieldIssue[] {
  const out: FieldIssue[] = [];
  const doc = (value ?? {}) as Record<string, unknown>;
  const parsed: Partial<Record<keyof typeof pipelineSchemas, unknown>> = {};
  for (const [key, schema] of Object.entries(pipelineSchemas) as [
    keyof typeof pipelineSchemas,
    z.ZodType,
  ][]) {
    if (doc[key] === undefined) continue;
    const r = schema.safeParse(doc[key]);
    if (r.success) parsed[key] = r.data;
    else out.push(...zodIssues(src, r.error, [key]));
  }
  const located = (ps: RouteProblem[]) => ps.forEach((p) => out.push(issueAt(src, p.path, p.message)));
  const intervals = new Set(((parsed.time_intervals ?? []) as { name: string }[]).map((t) => t.name));
  const services = new Set(((parsed.services ?? []) as { name: string }[]).map((s) => s.name));
  if (parsed.route) {
    const route = parsed.route as RouteConfig;
    located(resolveRouteTree(route, ['route']).problems);
    routes(route, ['route'], (r, p) => {
      (r.channels ?? []).forEach((c, i) => {
        if (!known.channels.has(c))
          out.push(issueAt(src, [...p, 'channels', i], `unknown channel ${JSON.stringify(c)}`));
      });
      if (r.escalation_policy !== undefined && !known.escalationPolicies.has(r.escalation_policy))
        out.push(
          issueAt(
            src,
            [...p, 'escalation_policy'],
            `unknown escalation policy ${JSON.stringify(r.escalation_policy)}`,
          ),
        );
      if (r.service !== undefined && doc['services'] !== undefined && !services.has(r.service))
        out.push(issueAt(src, [...p, 'service'], `unknown service ${JSON.stringify(r.service)}`));
      for (const f of ['mute_time_intervals', 'active_time_intervals'] as const)
        (r[f] ?? []).forEach((n, i) => {
          if (!intervals.has(n))
            out.push(issueAt(src, [...p, f, i], `unknown time interval ${JSON.stringify(n)}`));
        });
    });
  }
  if (parsed.inhibit_rules) located(compileInhibitRules(parsed.inhibit_rules as never).problems);
  if (parsed.aggregation_rules) located(compileAggregationRules(parsed.aggregation_rules as never).problems);
  for (const section of [
    'time_intervals',
    'aggregation_rules',
    'maintenance_windows',
    'services',
    'inhibit_rules',
  ])
    duplicates(src, doc[section], section, out);
  ((parsed.maintenance_windows ?? []) as { services: string[] }[]).forEach((w, i) =>
    w.services.forEach((s, j) => {
      if (doc['services'] !== undefined && !services.has(s))
        out.push(
          issueAt(src, ['maintenance_windows', i, 'services', j], `unknown service ${JSON.stringify(s)}`),
        );
    }),
  );
  return out;
}
