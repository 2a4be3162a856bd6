import { compileAggregationRules, type AggregationRule } from '../../src/pipeline/aggregation.ts';
import { flapSettings, type FlapSettings } from '../../src/pipeline/flap.ts';
import { compileInhibitRules, type InhibitRule, type InhibitRuleConfig } from '../../src/pipeline/inhibit.ts';
import { buildRouteTree, type RouteNode } from '../../src/pipeline/routing.ts';
import { dependents, type Service } from './generator.ts';

/** The pipeline configuration a replay runs with. */
export interface PipelineSetup {
  tree: RouteNode;
  inhibit: InhibitRule[];
  /** vigil's correlation window for inhibition (undefined: Alertmanager's rule, no window). */
  inhibitMaxLagMs: number | undefined;
  aggregation: AggregationRule[];
  flap: FlapSettings | undefined;
}

/**
 * vigil's bench config (documented in docs/noise.md):
 * - route: group_by [service], default timers (30s / 5m / 4h);
 * - inhibition derived from the service graph: a firing *critical* alert on service X mutes every
 *   alert on the services that depend on X (transitively); one rule per service with dependents;
 * - aggregation: `labels.severity == "warning"` → delay 3 minutes (warnings that clear on their own
 *   never page);
 * - flap detection: 3 firings within 30 minutes, settled after 30 quiet minutes.
 */
export function vigilSetup(services: readonly Service[]): PipelineSetup {
  const rules: InhibitRuleConfig[] = [];
  for (const s of services) {
    const deps = [...dependents(services, s.name).keys()];
    if (deps.length === 0) continue;
    rules.push({
      name: `topology:${s.name}`,
      source_matchers: [`service="${s.name}"`, 'severity="critical"'],
      target_matchers: [`service=~"${deps.join('|')}"`],
    });
  }
  const inhibit = compileInhibitRules(rules);
  const agg = compileAggregationRules([
    {
      name: 'Warnings must persist',
      pattern: 'labels.severity == "warning"',
      window_minutes: 10,
      action: 'delay',
      delay_minutes: 3,
    },
  ]);
  if (inhibit.problems.length || agg.problems.length) throw new Error('bench config invalid');
  return {
    tree: buildRouteTree({ receiver: 'oncall', group_by: ['service'] }),
    inhibit: inhibit.rules,
    inhibitMaxLagMs: 10 * 60_000,
    aggregation: agg.rules,
    flap: flapSettings({ window_minutes: 30, min_flaps: 3, settle_minutes: 30 }),
  };
}

/** The baseline: Alertmanager with group_by [alertname, service], default timers, nothing else. */
export function alertmanagerSetup(): PipelineSetup {
  return {
    tree: buildRouteTree({ receiver: 'oncall', group_by: ['alertname', 'service'] }),
    inhibit: [],
    inhibitMaxLagMs: undefined,
    aggregation: [],
    flap: undefined,
  };
}
