/**
 * The alert-as-code file format (`config/alerts/*.yaml`), as strict zod schemas: an unknown field
 * is an error, so a typo never silently drops part of a rule. Cross-field rules that need more
 * context (PromQL, runbooks, duplicates) live in validate.ts.
 */
import { z } from 'zod';
import { isDuration } from '../shared/duration.ts';

const duration = z.string().refine(isDuration, {
  error: 'not a Prometheus duration; write e.g. 30s, 5m, 1h30m (units y w d h m s ms, largest first)',
});
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
  error: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*',
});

/** The backends a rule can compile to. */
export const TARGETS = ['prometheus', 'cloudwatch', 'azure'] as const;
/** One backend. */
export type Target = (typeof TARGETS)[number];

/** The actions vigil can take when a rule fires. */
const ACTIONS = [
  'create_incident',
  'notify_oncall',
  'notify_slack',
  'notify_teams',
  'notify_email',
  'execute_runbook',
  'scale_resources',
] as const;
/** Actions that run a runbook and therefore need a `runbook` label naming one that exists. */
export const RUNBOOK_ACTIONS: readonly string[] = ['execute_runbook', 'scale_resources'];

/** Comparison spellings accepted for cloud thresholds (symbols or the backend's own names). */
const COMPARISONS = ['>', '>=', '<', '<=', '==', '!='] as const;
/** Anomaly-band comparisons (CloudWatch anomaly detection, Azure dynamic thresholds). */
export const BAND_COMPARISONS = ['outside_band', 'above_band', 'below_band'] as const;

const cwDimensions = z.record(z.string().min(1).max(255), z.string().min(1).max(1024));
const cwStatistic = z.enum(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);

const cwMetricStat = z.strictObject({
  namespace: z.string().min(1),
  metric: z.string().min(1),
  dimensions: cwDimensions.optional(),
  period: duration.optional(),
  stat: z.string().min(1),
  unit: z.string().optional(),
});

const cwQuery = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z][A-Za-z0-9_]*$/, { error: 'ids must match ^[a-z][A-Za-z0-9_]*$ (e.g. m1, e1)' }),
  expression: z.string().min(1).max(2048).optional(),
  metric: cwMetricStat.optional(),
  label: z.string().optional(),
  return_data: z.boolean().optional(),
  period: duration.optional(),
});

/** The `cloudwatch:` block: a single-metric alarm, a metric-math alarm, or an anomaly band. */
export const CloudWatchBlock = z.strictObject({
  alarm_name: z.string().min(1).max(255).optional(),
  namespace: z.string().min(1).max(255).optional(),
  metric: z.string().min(1).max(255).optional(),
  statistic: cwStatistic.optional(),
  extended_statistic: z
    .string()
    .regex(/^(p|tm|tc|ts|wm|TM|TC|TS|WM|PR)\(?[0-9.:%]*\)?$|^IQM$/)
    .optional(),
  dimensions: cwDimensions.optional(),
  period: duration.optional(),
  unit: z.string().optional(),
  metrics: z.array(cwQuery).min(1).max(20).optional(),
  threshold_metric_id: z.string().optional(),
  anomaly_band: z.number().positive().optional(),
  evaluation_periods: z.number().int().min(1),
  datapoints_to_alarm: z.number().int().min(1).optional(),
  comparison: z.enum([...COMPARISONS, ...BAND_COMPARISONS]),
  threshold: z.number().optional(),
  treat_missing_data: z.enum(['breaching', 'notBreaching', 'ignore', 'missing']).optional(),
  evaluate_low_sample_count_percentile: z.enum(['evaluate', 'ignore']).optional(),
  alarm_actions: z.array(z.string().min(1).max(1024)).max(5).optional(),
  ok_actions: z.array(z.string().min(1).max(1024)).max(5).optional(),
  insufficient_data_actions: z.array(z.string().min(1).max(1024)).max(5).optional(),
});
/** A parsed `cloudwatch:` block. */
export type CloudWatchBlock = z.infer<typeof CloudWatchBlock>;

const azDimension = z.union([z.string(), z.array(z.string()).min(1)]);

/** The `azure:` block: a metric alert (static or dynamic threshold) or a log-query alert. */
export const AzureBlock = z.strictObject({
  resource_type: z.string().regex(/^[A-Za-z.]+\/[A-Za-z/]+$/, {
    error: 'write the resource type as Provider/type, e.g. Microsoft.Compute/virtualMachines',
  }),
  scope_parameter: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*$/)
    .optional(),
  metric_namespace: z.string().optional(),
  metric: z.string().optional(),
  aggregation: z.enum(['Average', 'Count', 'Minimum', 'Maximum', 'Total']).optional(),
  operator: z.enum([...COMPARISONS, ...BAND_COMPARISONS]).optional(),
  threshold: z.number().optional(),
  sensitivity: z.enum(['Low', 'Medium', 'High']).optional(),
  failing_periods: z.number().int().min(1).optional(),
  evaluation_periods: z.number().int().min(1).optional(),
  dimensions: z.record(z.string(), azDimension).optional(),
  exclude_dimensions: z.record(z.string(), azDimension).optional(),
  window: duration,
  frequency: duration,
  log_query: z.string().min(1).optional(),
  measure_column: z.string().optional(),
  resource_id_column: z.string().optional(),
  auto_mitigate: z.boolean().optional(),
});
/** A parsed `azure:` block. */
export type AzureBlock = z.infer<typeof AzureBlock>;

/** One alert rule, written once for every backend. */
export const RuleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, {
    error:
      'rule names must match ^[A-Za-z][A-Za-z0-9_]*$ so every backend accepts them (e.g. ModelAccuracyLow)',
  }),
  targets: z.array(z.enum(TARGETS)).min(1).optional(),
  query: z.string().min(1).optional(),
  for: duration.optional(),
  keep_firing_for: duration.optional(),
  severity: z.string(),
  labels: z.record(labelName, z.string()).optional(),
  annotations: z.record(labelName, z.string()).optional(),
  actions: z.array(z.enum(ACTIONS)).optional(),
  cloudwatch: CloudWatchBlock.optional(),
  azure: AzureBlock.optional(),
});
/** A rule as written (before normalisation). */
export type RuleInput = z.infer<typeof RuleSchema>;

/** One rule file: an optional Prometheus group name and interval, then the rules. */
export const RuleFileSchema = z.strictObject({
  group: z.string().min(1).optional(),
  interval: duration.optional(),
  alerts: z.array(z.unknown()).min(1, { error: 'a rule file needs at least one alert' }),
});
