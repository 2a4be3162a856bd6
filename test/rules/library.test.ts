/**
 * The shipped rule library: validates cleanly, meets the size targets, its committed compiled
 * outputs are not stale, every output passes the backend schemas, and promtool accepts the rules
 * and passes the unit tests (one promtool run for all test files).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { putMetricAlarmRules, validateShape } from '../../src/rules/botocore.ts';
import { COMMITTED_OUTPUTS, compileRuleSet } from '../../src/rules/compile.ts';
import { loadRuleSet } from '../../src/rules/load.ts';
import { toolsAvailable } from '../helpers/tools.ts';
import { promtoolAvailable, promtoolCheckRules, promtoolTestRules } from '../../src/rules/promtool.ts';
import { armValidators, cfnAlarmValidator, cfnCustomKeywords, cloudWatchModel } from './schema-validators.ts';

const root = join(import.meta.dirname, '..', '..');
const set = loadRuleSet([join(root, 'config/alerts')], join(root, 'runbooks'));
const compiled = compileRuleSet(set, 'all');
const file = (p: string): string => compiled.files.find((f) => f.path === p)?.content ?? '';
const hasPromtool =
  toolsAvailable('promtool check/test of the rule library', ['promtool']) && promtoolAvailable();

describe('shipped rule library', () => {
  it('validates with no errors and no warnings', () => {
    expect(set.errors).toEqual([]);
    expect(set.warnings).toEqual([]);
  });

  it('has at least 50 Prometheus, 30 CloudWatch and 25 Azure rules', () => {
    const count = (t: string): number => set.rules.filter((r) => r.targets.includes(t as 'azure')).length;
    expect(count('prometheus')).toBeGreaterThanOrEqual(50);
    expect(count('cloudwatch')).toBeGreaterThanOrEqual(30);
    expect(count('azure')).toBeGreaterThanOrEqual(25);
  });

  it('every rule has a runbook label and a summary', () => {
    for (const r of set.rules) {
      expect(r.labels['runbook'], r.name).toBeTruthy();
      expect(r.annotations['summary'], r.name).toBeTruthy();
    }
  });

  it('committed outputs in config/ match a fresh compile (run `vigil rules compile --out config --no-per-alarm`)', () => {
    for (const p of COMMITTED_OUTPUTS)
      expect(readFileSync(join(root, 'config', p), 'utf8'), `config/${p} is stale`).toBe(file(p));
  });

  it('every Prometheus rule has a promtool test that expects it to fire', () => {
    const firing = new Set<string>();
    const dir = join(root, 'config/alerts/tests');
    for (const f of readdirSync(dir)) {
      const doc = parse(readFileSync(join(dir, f), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      for (const t of doc.tests)
        for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length) firing.add(a.alertname);
    }
    const untested = set.rules
      .filter((r) => r.targets.includes('prometheus') && !firing.has(r.name))
      .map((r) => r.name);
    expect(untested).toEqual([]);
  });

  it('CloudWatch PutMetricAlarm inputs satisfy the botocore model and its prose rules', () => {
    const model = cloudWatchModel();
    const alarms = JSON.parse(file('cloudwatch-alerts.json')) as Record<string, unknown>[];
    expect(alarms.length).toBeGreaterThanOrEqual(30);
    for (const a of alarms) {
      expect(validateShape(model, 'PutMetricAlarmInput', a), String(a['AlarmName'])).toEqual([]);
      expect(putMetricAlarmRules(a), String(a['AlarmName'])).toEqual([]);
    }
  });

  it('the CloudFormation template satisfies the AWS::CloudWatch::Alarm resource schema', () => {
    const validate = cfnAlarmValidator();
    const tpl = JSON.parse(file('cloudwatch-alarms.cfn.json')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.entries(tpl.Resources);
    expect(resources.length).toBeGreaterThanOrEqual(30);
    for (const [id, res] of resources) {
      expect(res.Type).toBe('AWS::CloudWatch::Alarm');
      // resolve the parameter Ref the way CloudFormation would before checking the property types
      const props = JSON.parse(
        JSON.stringify(res.Properties).replaceAll(
          '{"Ref":"AlarmTopicArn"}',
          '"arn:aws:sns:us-east-1:123456789012:vigil"',
        ),
      ) as Record<string, unknown>;
      expect(validate(props) ? [] : validate.errors, id).toEqual([]);
      expect(cfnCustomKeywords(props), id).toEqual([]);
    }
  });

  it('the Azure ARM template satisfies the metricAlerts and scheduledQueryRules schemas', () => {
    const v = armValidators();
    const tpl = JSON.parse(file('azure-alerts.json')) as { resources: { type: string; name: string }[] };
    expect(tpl.resources.length).toBeGreaterThanOrEqual(25);
    for (const r of tpl.resources) {
      const fn = r.type === 'Microsoft.Insights/metricAlerts' ? v.metricAlerts : v.scheduledQueryRules;
      expect(fn(r) ? [] : fn.errors, r.name).toEqual([]);
    }
    expect(tpl.resources.some((r) => r.type === 'Microsoft.Insights/scheduledQueryRules')).toBe(true);
  });

  it.skipIf(!hasPromtool)('promtool check rules accepts the compiled rule file', () => {
    const r = promtoolCheckRules(file('prometheus-alerts.yml'));
    expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.ok).toBe(true);
  });

  it.skipIf(!hasPromtool)(
    'promtool unit tests pass for every test file',
    () => {
      const r = promtoolTestRules(file('prometheus-alerts.yml'), join(root, 'config/alerts/tests'));
      expect(r.output).not.toMatch(/FAILED/);
      expect(r.ok).toBe(true);
      expect(r.files.length).toBeGreaterThanOrEqual(4);
    },
    120_000,
  );
});
