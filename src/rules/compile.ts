/**
 * `vigil rules compile`: turns a validated RuleSet into output files per target, reports what a
 * target cannot express (rules skipped because they carry no block for it), and writes files only
 * when there is no error at all.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { azureTemplate } from './compile-azure.ts';
import {
  alarmName,
  cloudFormationTemplate,
  cloudWatchAlarms,
  type CloudWatchOptions,
} from './compile-cloudwatch.ts';
import { renderPrometheusRuleManifest, renderPrometheusRules } from './compile-prometheus.ts';
import type { RuleSet } from './model.ts';
import { TARGETS, type Target } from './schema.ts';

/** `all` or one backend. */
export type CompileTarget = Target | 'all';

/** One output file, path relative to the output folder. */
export interface OutputFile {
  path: string;
  content: string;
}

/** A rule that a target did not compile, and why. */
interface Skipped {
  rule: string;
  target: Target;
  reason: string;
}

/** The result of compiling: files (empty when there are errors), skips and the errors. */
interface CompileResult {
  files: OutputFile[];
  skipped: Skipped[];
  errors: RuleSet['errors'];
  warnings: RuleSet['warnings'];
}

/** Compile options. */
interface CompileOptions extends CloudWatchOptions {
  /** Also write one PutMetricAlarm JSON per alarm under `cloudwatch/` (the CLI does; the committed library does not). */
  perAlarmFiles?: boolean;
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** The files whose committed copies live in `config/` (see `checkCommittedOutputs`). */
export const COMMITTED_OUTPUTS = [
  'prometheus-alerts.yml',
  'prometheus-rule.json',
  'cloudwatch-alerts.json',
  'cloudwatch-alarms.cfn.json',
  'azure-alerts.json',
];

/** Compiles a validated set for `target`; produces no files if the set has errors. */
export function compileRuleSet(
  set: RuleSet,
  target: CompileTarget,
  opts: CompileOptions = {},
): CompileResult {
  const targets: Target[] = target === 'all' ? [...TARGETS] : [target];
  const skipped: Skipped[] = [];
  for (const t of targets)
    for (const r of set.rules)
      if (!r.targets.includes(t))
        skipped.push({
          rule: r.name,
          target: t,
          reason: t === 'prometheus' ? 'no PromQL query' : `no ${t}: block (it has no ${t} form)`,
        });
  const result: CompileResult = { files: [], skipped, errors: [...set.errors], warnings: [...set.warnings] };
  const names = new Map<string, string>();
  for (const r of set.rules) {
    if (!r.targets.includes('cloudwatch')) continue;
    const n = alarmName(r);
    const prev = names.get(n);
    if (prev)
      result.errors.push({
        file: r.file,
        line: r.line,
        field: 'cloudwatch.alarm_name',
        message: `CloudWatch alarm name "${n}" already used by rule ${prev}; set a distinct alarm_name`,
      });
    names.set(n, r.name);
  }
  if (result.errors.length) return result;
  const rules = set.rules;
  if (targets.includes('prometheus')) {
    result.files.push({ path: 'prometheus-alerts.yml', content: renderPrometheusRules(rules) });
    result.files.push({ path: 'prometheus-rule.json', content: renderPrometheusRuleManifest(rules) });
  }
  if (targets.includes('cloudwatch')) {
    const alarms = cloudWatchAlarms(rules, opts);
    result.files.push({ path: 'cloudwatch-alerts.json', content: json(alarms) });
    result.files.push({ path: 'cloudwatch-alarms.cfn.json', content: json(cloudFormationTemplate(rules)) });
    if (opts.perAlarmFiles)
      for (const a of alarms)
        result.files.push({ path: `cloudwatch/${String(a['AlarmName'])}.json`, content: json(a) });
  }
  if (targets.includes('azure'))
    result.files.push({ path: 'azure-alerts.json', content: json(azureTemplate(rules)) });
  return result;
}

/** Writes compiled files under `outDir` (creating folders). Call only when `errors` is empty. */
export function writeOutputs(outDir: string, files: readonly OutputFile[]): void {
  for (const f of files) {
    const p = join(outDir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
  }
}
