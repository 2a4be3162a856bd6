/**
 * Checks a `cloudwatch:` or `azure:` block for what the backend itself would refuse (period
 * multiples, M-of-N, anomaly-band wiring, Azure window/frequency values, log-alert operators),
 * so the error is reported at the YAML line instead of by a failed deployment.
 */
import { parseDuration } from '../shared/duration.ts';
import { BAND_COMPARISONS, type AzureBlock, type CloudWatchBlock } from './schema.ts';

/** A problem with a field of a backend block, relative to the block. */
interface BlockIssue {
  path: (string | number)[];
  message: string;
}

const isBand = (c: string | undefined): boolean => (BAND_COMPARISONS as readonly string[]).includes(c ?? '');

function checkPeriod(text: string | undefined, path: (string | number)[], out: BlockIssue[]): number {
  if (text === undefined) return 0;
  const s = (parseDuration(text) ?? 0) / 1000;
  if (!(s === 10 || s === 30 || (s >= 60 && s % 60 === 0)))
    out.push({ path, message: `CloudWatch period must be 10s, 30s or a multiple of 1m (got ${text})` });
  return s;
}

/** Checks a CloudWatch block; returns every problem. */
export function checkCloudWatch(cw: CloudWatchBlock): BlockIssue[] {
  const out: BlockIssue[] = [];
  const single = cw.metric !== undefined || cw.namespace !== undefined;
  if (single && cw.metrics)
    out.push({
      path: ['metrics'],
      message: 'use either metric/namespace (one metric) or metrics (metric math), not both',
    });
  if (!single && !cw.metrics)
    out.push({
      path: [],
      message: 'a cloudwatch block needs namespace + metric, or a metrics list (metric math)',
    });
  let period = 0;
  if (single) {
    if (!cw.namespace)
      out.push({ path: ['namespace'], message: 'namespace is required with metric (e.g. AWS/EC2)' });
    if (!cw.metric)
      out.push({ path: ['metric'], message: 'metric is required with namespace (e.g. CPUUtilization)' });
    if ((cw.statistic === undefined) === (cw.extended_statistic === undefined))
      out.push({
        path: ['statistic'],
        message: 'set exactly one of statistic (Average, Sum, …) or extended_statistic (p99, …)',
      });
    if (!cw.period)
      out.push({ path: ['period'], message: 'period is required for a single-metric alarm (e.g. 5m)' });
    period = checkPeriod(cw.period, ['period'], out);
  }
  if (cw.metrics) {
    const ids = new Set(cw.metrics.map((q) => q.id));
    cw.metrics.forEach((q, i) => {
      if ((q.expression === undefined) === (q.metric === undefined))
        out.push({
          path: ['metrics', i],
          message: 'each metrics entry needs exactly one of expression or metric',
        });
      if (q.metric) {
        const p = q.metric.period ?? q.period ?? cw.period;
        if (!p)
          out.push({
            path: ['metrics', i, 'metric'],
            message: 'metric needs a period (here or on the cloudwatch block)',
          });
        period = Math.max(period, checkPeriod(p, ['metrics', i, 'metric', 'period'], out));
      }
    });
    if (ids.size !== cw.metrics.length)
      out.push({ path: ['metrics'], message: 'metrics ids must be unique' });
    if (isBand(cw.comparison)) {
      if (!cw.threshold_metric_id || !ids.has(cw.threshold_metric_id))
        out.push({
          path: ['threshold_metric_id'],
          message:
            'an anomaly-band comparison needs threshold_metric_id naming the ANOMALY_DETECTION_BAND query',
        });
    } else if (cw.metrics.filter((q) => q.return_data !== false).length !== 1)
      out.push({
        path: ['metrics'],
        message: 'exactly one metrics entry must return data; set return_data: false on the others',
      });
  }
  if (isBand(cw.comparison)) {
    if (single && cw.anomaly_band === undefined)
      out.push({
        path: ['anomaly_band'],
        message: `comparison ${cw.comparison} needs anomaly_band (band width in standard deviations, e.g. 2)`,
      });
    if (cw.threshold !== undefined)
      out.push({ path: ['threshold'], message: 'an anomaly-band alarm has no static threshold; remove it' });
  } else {
    if (cw.threshold === undefined)
      out.push({ path: ['threshold'], message: `comparison ${cw.comparison} needs a threshold` });
    if (cw.anomaly_band !== undefined)
      out.push({
        path: ['anomaly_band'],
        message: 'anomaly_band needs comparison outside_band, above_band or below_band',
      });
    if (cw.comparison === '==' || cw.comparison === '!=')
      out.push({
        path: ['comparison'],
        message: 'CloudWatch alarms cannot compare with == or !=; use >, >=, < or <=',
      });
  }
  if (cw.datapoints_to_alarm !== undefined && cw.datapoints_to_alarm > cw.evaluation_periods)
    out.push({
      path: ['datapoints_to_alarm'],
      message: 'datapoints_to_alarm (M) cannot exceed evaluation_periods (N)',
    });
  if (period * cw.evaluation_periods > 86400)
    out.push({
      path: ['evaluation_periods'],
      message: 'period × evaluation_periods must be at most one day (86400 s)',
    });
  return out;
}

const AZ_WINDOWS = new Set([1, 5, 15, 30, 60, 360, 720, 1440]);
const AZ_FREQS = new Set([1, 5, 15, 30, 60]);

/** Checks an Azure block; returns every problem. */
export function checkAzure(az: AzureBlock): BlockIssue[] {
  const out: BlockIssue[] = [];
  const win = (parseDuration(az.window) ?? 0) / 60000;
  const freq = (parseDuration(az.frequency) ?? 0) / 60000;
  if (freq > win) out.push({ path: ['frequency'], message: 'frequency cannot be longer than window' });
  if ((az.metric === undefined) === (az.log_query === undefined))
    out.push({
      path: [],
      message: 'an azure block needs exactly one of metric (metric alert) or log_query (log alert)',
    });
  if (!az.operator)
    out.push({
      path: ['operator'],
      message: 'operator is required (>, >=, <, <=, ==, or outside_band/above_band/below_band)',
    });
  if (az.metric !== undefined) {
    if (!AZ_WINDOWS.has(win))
      out.push({
        path: ['window'],
        message: 'metric alert window must be one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 1d',
      });
    if (!AZ_FREQS.has(freq))
      out.push({
        path: ['frequency'],
        message: 'metric alert frequency must be one of 1m, 5m, 15m, 30m, 1h',
      });
    if (!az.aggregation)
      out.push({
        path: ['aggregation'],
        message: 'aggregation is required (Average, Count, Minimum, Maximum, Total)',
      });
    if (az.operator === 'below_band' || az.operator === 'above_band' || az.operator === 'outside_band') {
      if (az.threshold !== undefined)
        out.push({
          path: ['threshold'],
          message: 'a dynamic-threshold (band) alert has no static threshold; remove it',
        });
    } else if (az.threshold === undefined)
      out.push({ path: ['threshold'], message: 'threshold is required for a static metric alert' });
  } else if (az.log_query !== undefined) {
    if (win < 1 || win > 2880)
      out.push({ path: ['window'], message: 'log alert window must be between 1m and 2d' });
    if (freq < 1 || freq > 1440)
      out.push({ path: ['frequency'], message: 'log alert frequency must be between 1m and 1d' });
    if (az.operator === '!=' || isBand(az.operator))
      out.push({
        path: ['operator'],
        message: 'log alerts support >, >=, <, <=, == only (no != or dynamic bands)',
      });
    if (az.threshold === undefined)
      out.push({ path: ['threshold'], message: 'threshold is required for a log alert' });
    if (az.scope_parameter === undefined)
      out.push({
        path: ['scope_parameter'],
        message:
          'a log alert needs scope_parameter naming the Log Analytics workspace / Application Insights parameter',
      });
  }
  if (az.failing_periods !== undefined && az.failing_periods > (az.evaluation_periods ?? az.failing_periods))
    out.push({ path: ['failing_periods'], message: 'failing_periods cannot exceed evaluation_periods' });
  return out;
}
