/**
 * Compiles rules with an `azure:` block to one ARM deployment template: metric alerts as
 * `Microsoft.Insights/metricAlerts` (api 2018-03-01; static or dynamic thresholds) and log-query
 * alerts as `Microsoft.Insights/scheduledQueryRules` (api 2023-12-01). Scopes and the action group
 * are template parameters, so one template deploys to any resource group.
 */
import { parseDuration, toIsoDuration } from '../shared/duration.ts';
import { ruleDescription } from './describe.ts';
import type { Json } from './compile-cloudwatch.ts';
import type { Rule } from './model.ts';
import type { AzureBlock } from './schema.ts';
import { azureSeverity } from './severity.ts';

const STATIC_OP: Record<string, string> = {
  '>': 'GreaterThan',
  '>=': 'GreaterThanOrEqual',
  '<': 'LessThan',
  '<=': 'LessThanOrEqual',
  '==': 'Equals',
  '!=': 'NotEquals',
};
const DYNAMIC_OP: Record<string, string> = {
  outside_band: 'GreaterOrLessThan',
  above_band: 'GreaterThan',
  below_band: 'LessThan',
};

const iso = (d: string): string => toIsoDuration(parseDuration(d) ?? 0);

function dimensions(az: AzureBlock): Json[] {
  const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
  return [
    ...Object.entries(az.dimensions ?? {}).map(([name, v]) => ({
      name,
      operator: 'Include',
      values: list(v),
    })),
    ...Object.entries(az.exclude_dimensions ?? {}).map(([name, v]) => ({
      name,
      operator: 'Exclude',
      values: list(v),
    })),
  ];
}

function scope(az: AzureBlock): string {
  return az.scope_parameter ? `[parameters('${az.scope_parameter}')]` : '[resourceGroup().id]';
}

function vigilProperties(rule: Rule): Record<string, string> {
  return {
    vigil_rule: rule.name,
    severity: rule.severity,
    ...(rule.labels['runbook'] ? { runbook: rule.labels['runbook'] } : {}),
    ...(rule.actions.length ? { actions: rule.actions.join(' ') } : {}),
  };
}

function metricAlert(rule: Rule, az: AzureBlock): Record<string, Json> {
  const op = az.operator ?? '>';
  const dynamic = op in DYNAMIC_OP;
  const criterion: Record<string, Json> = {
    criterionType: dynamic ? 'DynamicThresholdCriterion' : 'StaticThresholdCriterion',
    name: 'c1',
    metricNamespace: az.metric_namespace ?? az.resource_type,
    metricName: az.metric ?? '',
    dimensions: dimensions(az),
    operator: dynamic ? (DYNAMIC_OP[op] ?? op) : (STATIC_OP[op] ?? op),
    timeAggregation: az.aggregation ?? 'Average',
    skipMetricValidation: false,
  };
  if (dynamic) {
    criterion['alertSensitivity'] = az.sensitivity ?? 'Medium';
    criterion['failingPeriods'] = {
      numberOfEvaluationPeriods: az.evaluation_periods ?? 4,
      minFailingPeriodsToAlert: az.failing_periods ?? az.evaluation_periods ?? 4,
    };
  } else criterion['threshold'] = az.threshold ?? 0;
  return {
    type: 'Microsoft.Insights/metricAlerts',
    apiVersion: '2018-03-01',
    name: rule.name,
    location: 'global',
    tags: { 'managed-by': 'vigil' },
    properties: {
      description: ruleDescription(rule, 1024),
      severity: azureSeverity(rule.severity),
      enabled: true,
      scopes: [scope(az)],
      evaluationFrequency: iso(az.frequency),
      windowSize: iso(az.window),
      ...(az.scope_parameter
        ? {}
        : { targetResourceType: az.resource_type, targetResourceRegion: '[resourceGroup().location]' }),
      autoMitigate: az.auto_mitigate ?? true,
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.MultipleResourceMultipleMetricCriteria',
        allOf: [criterion],
      },
      actions: [{ actionGroupId: "[parameters('actionGroupId')]", webHookProperties: vigilProperties(rule) }],
    },
  };
}

function logAlert(rule: Rule, az: AzureBlock): Record<string, Json> {
  const n = az.evaluation_periods ?? 1;
  return {
    type: 'Microsoft.Insights/scheduledQueryRules',
    apiVersion: '2023-12-01',
    name: rule.name,
    location: '[resourceGroup().location]',
    kind: 'LogAlert',
    tags: { 'managed-by': 'vigil' },
    properties: {
      displayName: rule.name,
      description: ruleDescription(rule, 1024),
      severity: azureSeverity(rule.severity),
      enabled: true,
      scopes: [scope(az)],
      evaluationFrequency: iso(az.frequency),
      windowSize: iso(az.window),
      criteria: {
        allOf: [
          {
            query: az.log_query ?? '',
            timeAggregation: az.aggregation ?? 'Count',
            ...(az.measure_column ? { metricMeasureColumn: az.measure_column } : {}),
            ...(az.resource_id_column ? { resourceIdColumn: az.resource_id_column } : {}),
            dimensions: dimensions(az),
            operator: STATIC_OP[az.operator ?? '>'] ?? 'GreaterThan',
            threshold: az.threshold ?? 0,
            failingPeriods: {
              numberOfEvaluationPeriods: n,
              minFailingPeriodsToAlert: az.failing_periods ?? n,
            },
          },
        ],
      },
      autoMitigate: az.auto_mitigate ?? true,
      actions: { actionGroups: ["[parameters('actionGroupId')]"], customProperties: vigilProperties(rule) },
    },
  };
}

/** The ARM template for every Azure-targeted rule, in library order. */
export function azureTemplate(rules: readonly Rule[]): Record<string, Json> {
  const parameters: Record<string, Json> = {
    actionGroupId: {
      type: 'string',
      metadata: {
        description: 'Resource id of the action group whose webhook posts to vigil (/integrations/azure).',
      },
    },
  };
  const resources: Json[] = [];
  for (const r of rules) {
    if (!r.targets.includes('azure') || !r.azure) continue;
    const az = r.azure;
    if (az.scope_parameter && !(az.scope_parameter in parameters))
      parameters[az.scope_parameter] = {
        type: 'string',
        metadata: { description: `Resource id to watch (${az.resource_type}).` },
      };
    resources.push(az.log_query ? logAlert(r, az) : metricAlert(r, az));
  }
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: {
      description:
        'Azure Monitor alerts generated by vigil rules compile from config/alerts. Do not edit by hand.',
    },
    parameters,
    resources,
  };
}
