/**
 * Compiles rules with a `cloudwatch:` block to PutMetricAlarm inputs (usable with
 * `aws cloudwatch put-metric-alarm --cli-input-json file://X.json`) and to one CloudFormation
 * template of `AWS::CloudWatch::Alarm` resources. Field names are the API's, so both outputs share
 * one builder.
 */
import { parseDuration } from '../shared/duration.ts';
import { ruleDescription } from './describe.ts';
import type { Rule } from './model.ts';
import type { CloudWatchBlock } from './schema.ts';

/** A JSON value (what the compilers emit). */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Options that wire alarms to vigil's SNS topic. */
export interface CloudWatchOptions {
  /** SNS topic ARN vigil subscribes to; used for alarm and OK actions when a rule sets none. */
  snsTopicArn?: string;
}

const COMPARISON: Record<string, string> = {
  '>': 'GreaterThanThreshold',
  '>=': 'GreaterThanOrEqualToThreshold',
  '<': 'LessThanThreshold',
  '<=': 'LessThanOrEqualToThreshold',
  outside_band: 'LessThanLowerOrGreaterThanUpperThreshold',
  above_band: 'GreaterThanUpperThreshold',
  below_band: 'LessThanLowerThreshold',
};

const seconds = (d: string | undefined): number => (parseDuration(d ?? '0') ?? 0) / 1000;
const dims = (d: Record<string, string> | undefined): Json[] =>
  Object.entries(d ?? {}).map(([Name, Value]) => ({ Name, Value }));

/** The CloudWatch alarm name of a rule (its `alarm_name`, else the rule name). */
export function alarmName(rule: Rule): string {
  return rule.cloudwatch?.alarm_name ?? rule.name;
}

function metricFields(cw: CloudWatchBlock): Record<string, Json> {
  if (cw.metrics) {
    return {
      Metrics: cw.metrics.map((q) => {
        const out: Record<string, Json> = { Id: q.id };
        if (q.expression) out['Expression'] = q.expression;
        if (q.metric) {
          out['MetricStat'] = {
            Metric: {
              Namespace: q.metric.namespace,
              MetricName: q.metric.metric,
              Dimensions: dims(q.metric.dimensions),
            },
            Period: seconds(q.metric.period ?? q.period ?? cw.period),
            Stat: q.metric.stat,
            ...(q.metric.unit ? { Unit: q.metric.unit } : {}),
          };
        } else if (q.period) out['Period'] = seconds(q.period);
        if (q.label) out['Label'] = q.label;
        out['ReturnData'] = q.return_data ?? true;
        return out;
      }),
      ...(cw.threshold_metric_id ? { ThresholdMetricId: cw.threshold_metric_id } : {}),
    };
  }
  const stat = cw.statistic ?? cw.extended_statistic ?? 'Average';
  if (cw.anomaly_band !== undefined) {
    return {
      Metrics: [
        {
          Id: 'm1',
          MetricStat: {
            Metric: {
              Namespace: cw.namespace ?? '',
              MetricName: cw.metric ?? '',
              Dimensions: dims(cw.dimensions),
            },
            Period: seconds(cw.period),
            Stat: stat,
            ...(cw.unit ? { Unit: cw.unit } : {}),
          },
          ReturnData: true,
        },
        {
          Id: 'ad1',
          Expression: `ANOMALY_DETECTION_BAND(m1, ${cw.anomaly_band})`,
          Label: `${cw.metric ?? ''} (expected)`,
          ReturnData: true,
        },
      ],
      ThresholdMetricId: 'ad1',
    };
  }
  return {
    Namespace: cw.namespace ?? '',
    MetricName: cw.metric ?? '',
    ...(cw.dimensions ? { Dimensions: dims(cw.dimensions) } : {}),
    ...(cw.statistic ? { Statistic: cw.statistic } : { ExtendedStatistic: cw.extended_statistic ?? '' }),
    Period: seconds(cw.period),
    ...(cw.unit ? { Unit: cw.unit } : {}),
  };
}

/** Builds the alarm properties shared by PutMetricAlarm and CloudFormation (actions aside). */
function alarmCore(rule: Rule, cw: CloudWatchBlock): Record<string, Json> {
  return {
    AlarmName: alarmName(rule),
    AlarmDescription: ruleDescription(rule, 1024),
    ActionsEnabled: true,
    ...metricFields(cw),
    EvaluationPeriods: cw.evaluation_periods,
    ...(cw.datapoints_to_alarm !== undefined ? { DatapointsToAlarm: cw.datapoints_to_alarm } : {}),
    ...(cw.threshold !== undefined ? { Threshold: cw.threshold } : {}),
    ComparisonOperator: COMPARISON[cw.comparison] ?? cw.comparison,
    TreatMissingData: cw.treat_missing_data ?? 'missing',
    ...(cw.evaluate_low_sample_count_percentile && cw.extended_statistic
      ? { EvaluateLowSampleCountPercentile: cw.evaluate_low_sample_count_percentile }
      : {}),
  };
}

function tags(rule: Rule): Json[] {
  const t: Json[] = [
    { Key: 'managed-by', Value: 'vigil' },
    { Key: 'vigil:severity', Value: rule.severity },
  ];
  const runbook = rule.labels['runbook'];
  if (runbook) t.push({ Key: 'vigil:runbook', Value: runbook });
  if (rule.actions.length) t.push({ Key: 'vigil:actions', Value: rule.actions.join(' ') });
  return t;
}

/** One PutMetricAlarm input per CloudWatch-targeted rule, in library order. */
export function cloudWatchAlarms(
  rules: readonly Rule[],
  opts: CloudWatchOptions = {},
): Record<string, Json>[] {
  return rules.flatMap((r) => {
    if (!r.targets.includes('cloudwatch') || !r.cloudwatch) return [];
    const cw = r.cloudwatch;
    const topic = opts.snsTopicArn ? [opts.snsTopicArn] : undefined;
    const alarm = cw.alarm_actions ?? topic;
    const ok = cw.ok_actions ?? topic;
    return [
      {
        ...alarmCore(r, cw),
        ...(alarm ? { AlarmActions: alarm } : {}),
        ...(ok ? { OKActions: ok } : {}),
        ...(cw.insufficient_data_actions ? { InsufficientDataActions: cw.insufficient_data_actions } : {}),
        Tags: tags(r),
      },
    ];
  });
}

/** CloudFormation logical id for a rule (alphanumeric only). */
function logicalId(rule: Rule): string {
  return `${rule.name.replace(/[^A-Za-z0-9]/g, '')}Alarm`;
}

/**
 * One CloudFormation template with an `AWS::CloudWatch::Alarm` per rule. Alarm and OK actions
 * default to the `AlarmTopicArn` parameter (vigil's SNS topic) unless the rule lists its own.
 */
export function cloudFormationTemplate(rules: readonly Rule[]): Record<string, Json> {
  const resources: Record<string, Json> = {};
  for (const r of rules) {
    if (!r.targets.includes('cloudwatch') || !r.cloudwatch) continue;
    const cw = r.cloudwatch;
    const ref = [{ Ref: 'AlarmTopicArn' }];
    resources[logicalId(r)] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        ...alarmCore(r, cw),
        AlarmActions: cw.alarm_actions ?? ref,
        OKActions: cw.ok_actions ?? ref,
        ...(cw.insufficient_data_actions ? { InsufficientDataActions: cw.insufficient_data_actions } : {}),
        Tags: tags(r),
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'CloudWatch alarms generated by vigil rules compile from config/alerts. Do not edit by hand.',
    Parameters: {
      AlarmTopicArn: {
        Type: 'String',
        Description: 'ARN of the SNS topic vigil ingests alarms from (/integrations/cloudwatch).',
      },
    },
    Resources: resources,
  };
}
