import type { Labels } from '../alerts/alert.ts';
import type { GroupFn } from '../incidents/grouping.ts';
import { aggregationRulesSchema, compileAggregationRules, type AggregationRule } from './aggregation.ts';
import { flapDetectionSchema, flapSettings, type FlapSettings } from './flap.ts';
import { compileInhibitRules, inhibitRulesSchema, type InhibitRule } from './inhibit.ts';
import { maintenanceWindowsSchema, type MaintenanceWindow } from './maintenance.ts';
import { servicesSchema, type ServiceConfig } from './priority.ts';
import { groupKey, groupLabels } from './group-key.ts';
import { routeSchema, type RouteConfig } from './route-schema.ts';
import { buildRouteTree, route, type RouteNode } from './routing.ts';
import { timeIntervalsSchema, type NamedTimeInterval } from './time-intervals.ts';

/** The noise pipeline as the running server uses it: compiled once from the config. */
export interface Pipeline {
  tree: RouteNode;
  /** True when the config had a `route:`; false when vigil's default tree is in use. */
  configured: boolean;
  inhibitRules: InhibitRule[];
  timeIntervals: Map<string, NamedTimeInterval>;
  maintenance: MaintenanceWindow[];
  /** `aggregation_rules:`, compiled, in config order (the first matching rule applies). */
  aggregationRules: AggregationRule[];
  /**
   * `flap_detection:` with its defaults (3 firings in 30 min, settled after 30 quiet min); off when
   * the section is absent, on when it is present unless `enabled: false`.
   */
  flap: FlapSettings;
  /** `services:` (tier, dependencies, working hours), for priority and urgency. */
  services: ServiceConfig[];
}

/**
 * The pipeline each routing tree was compiled with. Ingest is handed the tree (`IngestOptions.tree`)
 * and finds the rest of the pipeline (aggregation rules, flap settings) here, so every caller that
 * passes a tree built by `buildPipeline` gets the whole noise pipeline.
 */
const pipelines = new WeakMap<RouteNode, Pipeline>();

/** The pipeline whose tree this is, when it was built by `buildPipeline`. */
export function pipelineOf(tree: RouteNode | undefined): Pipeline | undefined {
  return tree ? pipelines.get(tree) : undefined;
}

/**
 * The routing tree used when the config has no `route:`: one group per `alertname` + `service`,
 * with Alertmanager's default timers (group_wait 30s, group_interval 5m, repeat_interval 4h).
 */
export const DEFAULT_ROUTE: RouteConfig = { receiver: 'default', group_by: ['alertname', 'service'] };

/** Compiles the pipeline sections of a validated config document. */
export function buildPipeline(doc: Record<string, unknown>): Pipeline {
  const cfg = doc['route'] === undefined ? DEFAULT_ROUTE : routeSchema.parse(doc['route']);
  const intervals =
    doc['time_intervals'] === undefined ? [] : timeIntervalsSchema.parse(doc['time_intervals']);
  const pipeline: Pipeline = {
    tree: buildRouteTree(cfg),
    configured: doc['route'] !== undefined,
    inhibitRules:
      doc['inhibit_rules'] === undefined
        ? []
        : compileInhibitRules(inhibitRulesSchema.parse(doc['inhibit_rules'])).rules,
    timeIntervals: new Map(intervals.map((i) => [i.name, i])),
    maintenance:
      doc['maintenance_windows'] === undefined
        ? []
        : maintenanceWindowsSchema.parse(doc['maintenance_windows']),
    aggregationRules:
      doc['aggregation_rules'] === undefined
        ? []
        : compileAggregationRules(aggregationRulesSchema.parse(doc['aggregation_rules'])).rules,
    // Live only when configured: without `flap_detection:` every re-fire after a resolve pages.
    flap: flapSettings(
      doc['flap_detection'] === undefined
        ? { enabled: false }
        : flapDetectionSchema.parse(doc['flap_detection']),
    ),
    services: doc['services'] === undefined ? [] : servicesSchema.parse(doc['services']),
  };
  pipelines.set(pipeline.tree, pipeline);
  return pipeline;
}

/** The first route an alert takes: it decides the alert's group and so its incident. */
export function primaryRoute(tree: RouteNode, labels: Labels): RouteNode {
  return route(tree, labels)[0] ?? tree;
}

/**
 * Groups alerts into incidents by the routing tree: an alert's incident is the open incident of
 * its group on the first route it matches (Alertmanager's group key, e.g.
 * `{}/{team="ml"}:{alertname="X"}`). The route chooses the service and escalation policy.
 */
export function routeGroupFn(tree: RouteNode): GroupFn {
  return (labels) => {
    const node = primaryRoute(tree, labels);
    const gl = groupLabels(node, labels);
    const alertname = labels['alertname'] ?? '';
    const service = node.service ?? labels['service'] ?? '';
    const rest = Object.entries(gl)
      .filter(([k]) => k !== 'alertname' && k !== 'service')
      .map(([k, v]) => `${k}=${v}`);
    const base = alertname ? (service ? `${alertname} on ${service}` : alertname) : service || 'alerts';
    return {
      key: groupKey(node, labels),
      title: rest.length > 0 ? `${base} (${rest.join(', ')})` : base,
      service: service || 'unknown',
      routeId: node.id,
      ...(node.escalationPolicy ? { escalationPolicy: node.escalationPolicy } : {}),
    };
  };
}
