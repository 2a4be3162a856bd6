/**
 * A small validator over a botocore service model (`service-2.json`): checks a value against a
 * named shape — required members, unknown members, types, enums, string lengths and patterns,
 * list limits, numeric minimums. No JSON Schema exists for the CloudWatch API, and this reads the
 * authoritative model directly (see docs/adr/0003-rules-compiler.md).
 */

/** The parts of a botocore shape this validator reads. */
export interface BotocoreShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

/** A botocore service model (only `shapes` is used). */
export interface BotocoreModel {
  shapes: Record<string, BotocoreShape>;
}

/** One violation, with a JSON path such as `Metrics[1].MetricStat.Period`. */
interface ShapeIssue {
  path: string;
  message: string;
}

/** Validates `value` against shape `shapeName` of `model`; returns every violation. */
export function validateShape(
  model: BotocoreModel,
  shapeName: string,
  value: unknown,
  path = '',
): ShapeIssue[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [{ path, message: `unknown shape ${shapeName}` }];
  const out: ShapeIssue[] = [];
  const at = (p: string): string => (path ? `${path}.${p}` : p);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [{ path, message: 'expected an object' }];
      const obj = value as Record<string, unknown>;
      for (const r of shape.required ?? [])
        if (obj[r] === undefined) out.push({ path: at(r), message: 'required member missing' });
      for (const [k, v] of Object.entries(obj)) {
        const m = shape.members?.[k];
        if (!m) out.push({ path: at(k), message: `unknown member (not in ${shapeName})` });
        else out.push(...validateShape(model, m.shape, v, at(k)));
      }
      break;
    }
    case 'list': {
      if (!Array.isArray(value)) return [{ path, message: 'expected a list' }];
      if (shape.min !== undefined && value.length < shape.min)
        out.push({ path, message: `at least ${shape.min} items` });
      if (shape.max !== undefined && value.length > shape.max)
        out.push({ path, message: `at most ${shape.max} items` });
      value.forEach((v, i) =>
        out.push(...validateShape(model, shape.member?.shape ?? '', v, `${path}[${i}]`)),
      );
      break;
    }
    case 'string': {
      if (typeof value !== 'string') return [{ path, message: 'expected a string' }];
      if (shape.enum && !shape.enum.includes(value))
        out.push({ path, message: `"${value}" is not one of ${shape.enum.join(', ')}` });
      if (shape.min !== undefined && value.length < shape.min)
        out.push({ path, message: `shorter than ${shape.min}` });
      if (shape.max !== undefined && value.length > shape.max)
        out.push({ path, message: `longer than ${shape.max}` });
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(value))
        out.push({ path, message: `does not match ${shape.pattern}` });
      break;
    }
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value))
        return [{ path, message: 'expected an integer' }];
      if (shape.min !== undefined && value < shape.min)
        out.push({ path, message: `below minimum ${shape.min}` });
      if (shape.max !== undefined && value > shape.max)
        out.push({ path, message: `above maximum ${shape.max}` });
      break;
    case 'double':
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value))
        out.push({ path, message: 'expected a number' });
      break;
    case 'boolean':
      if (typeof value !== 'boolean') out.push({ path, message: 'expected a boolean' });
      break;
    default:
      break;
  }
  return out;
}

/**
 * The PutMetricAlarm rules the model states only in prose: one of MetricName/Metrics, Statistic
 * xor ExtendedStatistic, the TreatMissingData values, period multiples and the one-day limit,
 * exactly one returned query for a threshold alarm, and Threshold xor ThresholdMetricId.
 */
export function putMetricAlarmRules(input: Record<string, unknown>): ShapeIssue[] {
  const out: ShapeIssue[] = [];
  const has = (k: string): boolean => input[k] !== undefined;
  if (has('MetricName') === has('Metrics'))
    out.push({ path: 'MetricName', message: 'exactly one of MetricName or Metrics' });
  if (has('MetricName') && has('Statistic') === has('ExtendedStatistic'))
    out.push({ path: 'Statistic', message: 'exactly one of Statistic or ExtendedStatistic' });
  if (has('Metrics'))
    for (const k of ['Namespace', 'Dimensions', 'Period', 'Unit', 'Statistic', 'ExtendedStatistic'])
      if (has(k)) out.push({ path: k, message: 'not allowed with Metrics' });
  if (has('Threshold') === has('ThresholdMetricId'))
    out.push({ path: 'Threshold', message: 'exactly one of Threshold or ThresholdMetricId' });
  const tmd = input['TreatMissingData'];
  if (tmd !== undefined && !['breaching', 'notBreaching', 'ignore', 'missing'].includes(String(tmd)))
    out.push({ path: 'TreatMissingData', message: 'must be breaching, notBreaching, ignore or missing' });
  const periods: number[] = [];
  if (typeof input['Period'] === 'number') periods.push(input['Period']);
  const metrics = Array.isArray(input['Metrics']) ? (input['Metrics'] as Record<string, unknown>[]) : [];
  for (const m of metrics) {
    const p = (m['MetricStat'] as { Period?: unknown } | undefined)?.Period;
    if (typeof p === 'number') periods.push(p);
    if (typeof m['Id'] === 'string' && !/^[a-z][A-Za-z0-9_]*$/.test(m['Id']))
      out.push({ path: 'Metrics', message: `Id ${m['Id']} must match ^[a-z][A-Za-z0-9_]*$` });
  }
  for (const p of periods)
    if (!(p === 10 || p === 20 || p === 30 || p % 60 === 0))
      out.push({ path: 'Period', message: `${p} is not 10, 20, 30 or a multiple of 60` });
  const n = typeof input['EvaluationPeriods'] === 'number' ? input['EvaluationPeriods'] : 0;
  const maxP = Math.max(0, ...periods);
  if (maxP * n > (maxP < 3600 ? 86400 : 604800))
    out.push({ path: 'EvaluationPeriods', message: 'Period × EvaluationPeriods too long' });
  if (metrics.length && has('Threshold') && metrics.filter((m) => m['ReturnData'] !== false).length !== 1)
    out.push({ path: 'Metrics', message: 'exactly one query must have ReturnData true' });
  const dta = input['DatapointsToAlarm'];
  if (typeof dta === 'number' && dta > n)
    out.push({ path: 'DatapointsToAlarm', message: 'cannot exceed EvaluationPeriods' });
  return out;
}
