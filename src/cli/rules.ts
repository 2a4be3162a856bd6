/**
 * `vigil rules validate|compile|test|diff`: thin commander wiring over src/rules. Handlers set
 * process.exitCode (1 on any error) and print either text or, with --json, one JSON document.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatIssues, type FieldIssue } from '../shared/errors.ts';
import { compileRuleSet, writeOutputs, type CompileTarget, type OutputFile } from '../rules/compile.ts';
import { renderPrometheusRules } from '../rules/compile-prometheus.ts';
import { diffOutputs, formatChanges } from '../rules/diff.ts';
import { ruleTextsAtRef } from '../rules/git-base.ts';
import { DEFAULT_RULE_PATHS, DEFAULT_RUNBOOKS_DIR, listRunbooks, loadRuleSet } from '../rules/load.ts';
import { promtoolTestRules } from '../rules/promtool.ts';
import { validateRuleTexts } from '../rules/validate.ts';

const HINT =
  'fix the listed fields (docs/rules.md describes every field), then run `vigil rules validate` again';

function printIssues(errors: readonly FieldIssue[], warnings: readonly FieldIssue[]): void {
  if (warnings.length)
    console.error(formatIssues(warnings.map((w) => ({ ...w, message: `warning: ${w.message}` }))));
  if (errors.length) {
    console.error(formatIssues(errors));
    console.error(`\n${errors.length} error(s); ${HINT}`);
  }
}

function readDir(dir: string, prefix = ''): OutputFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? readDir(join(dir, e.name), `${prefix}${e.name}/`)
      : [{ path: `${prefix}${e.name}`, content: readFileSync(join(dir, e.name), 'utf8') }],
  );
}

/** Adds the `rules` command and its subcommands to the main program. */
export function registerRulesCommands(program: Command): void {
  const rules = program
    .command('rules')
    .description('alert rules as code: validate, test, compile to Prometheus, CloudWatch and Azure');

  rules
    .command('validate')
    .description('check rule files; exit 1 listing every error as file:line:column field: message')
    .argument('[paths...]', 'rule files or directories', DEFAULT_RULE_PATHS)
    .option('--runbooks <dir>', 'folder of runbooks (<name>.md)', DEFAULT_RUNBOOKS_DIR)
    .option('--json', 'print JSON')
    .action((paths: string[], o: { runbooks: string; json?: boolean }) => {
      const set = loadRuleSet(paths, o.runbooks);
      if (o.json)
        console.log(
          JSON.stringify(
            {
              ok: set.errors.length === 0,
              rules: set.rules.length,
              files: set.files,
              errors: set.errors,
              warnings: set.warnings,
            },
            null,
            2,
          ),
        );
      else {
        printIssues(set.errors, set.warnings);
        if (!set.errors.length) {
          const by = (t: string): number =>
            set.rules.filter((r) => r.targets.includes(t as 'prometheus')).length;
          console.log(
            `OK: ${set.rules.length} rules in ${set.files.length} files (prometheus ${by('prometheus')}, cloudwatch ${by('cloudwatch')}, azure ${by('azure')})`,
          );
        }
      }
      if (set.errors.length) process.exitCode = 1;
    });

  rules
    .command('compile')
    .description('compile rules; nothing is written when there is any error')
    .argument('[paths...]', 'rule files or directories', DEFAULT_RULE_PATHS)
    .option('--target <target>', 'prometheus | cloudwatch | azure | all', 'all')
    .requiredOption('--out <dir>', 'output folder')
    .option('--runbooks <dir>', 'folder of runbooks', DEFAULT_RUNBOOKS_DIR)
    .option('--sns-topic-arn <arn>', 'SNS topic for CloudWatch alarm/OK actions (PutMetricAlarm JSON)')
    .option(
      '--no-per-alarm',
      'skip the per-alarm PutMetricAlarm files (as for the committed config/ outputs)',
    )
    .option('--json', 'print JSON')
    .action(
      (
        paths: string[],
        o: {
          target: string;
          out: string;
          runbooks: string;
          snsTopicArn?: string;
          perAlarm: boolean;
          json?: boolean;
        },
      ) => {
        if (!['prometheus', 'cloudwatch', 'azure', 'all'].includes(o.target)) {
          console.error(`--target must be prometheus, cloudwatch, azure or all (got ${o.target})`);
          process.exitCode = 1;
          return;
        }
        const set = loadRuleSet(paths, o.runbooks);
        const res = compileRuleSet(set, o.target as CompileTarget, {
          perAlarmFiles: o.perAlarm,
          ...(o.snsTopicArn ? { snsTopicArn: o.snsTopicArn } : {}),
        });
        if (!res.errors.length) writeOutputs(o.out, res.files);
        if (o.json)
          console.log(
            JSON.stringify(
              {
                ok: !res.errors.length,
                written: res.errors.length ? [] : res.files.map((f) => join(o.out, f.path)),
                skipped: res.skipped,
                errors: res.errors,
                warnings: res.warnings,
              },
              null,
              2,
            ),
          );
        else {
          printIssues(res.errors, res.warnings);
          if (!res.errors.length) {
            for (const f of res.files.filter((x) => !x.path.includes('/')))
              console.log(`wrote ${join(o.out, f.path)}`);
            const per = res.files.length - res.files.filter((x) => !x.path.includes('/')).length;
            if (per) console.log(`wrote ${per} PutMetricAlarm inputs under ${join(o.out, 'cloudwatch/')}`);
            if (res.skipped.length)
              console.log(
                `${res.skipped.length} rule/target pairs not compiled (no form for that backend); --json lists them`,
              );
          } else console.error('nothing written');
        }
        if (res.errors.length) process.exitCode = 1;
      },
    );

  rules
    .command('test')
    .description('run promtool unit tests (config/alerts/tests) against the compiled Prometheus rules')
    .argument('[paths...]', 'rule files or directories', DEFAULT_RULE_PATHS)
    .option('--tests <dir>', 'folder of promtool test files', 'config/alerts/tests')
    .option('--runbooks <dir>', 'folder of runbooks', DEFAULT_RUNBOOKS_DIR)
    .option('--json', 'print JSON')
    .action((paths: string[], o: { tests: string; runbooks: string; json?: boolean }) => {
      const set = loadRuleSet(paths, o.runbooks);
      if (set.errors.length) {
        if (o.json) console.log(JSON.stringify({ ok: false, errors: set.errors }, null, 2));
        else printIssues(set.errors, []);
        process.exitCode = 1;
        return;
      }
      const r = promtoolTestRules(renderPrometheusRules(set.rules), o.tests);
      if (o.json)
        console.log(
          JSON.stringify({ ok: r.ok, promtool: r.available, files: r.files, output: r.output }, null, 2),
        );
      else console.log(r.output.trimEnd());
      if (!r.ok) process.exitCode = 1;
    });

  rules
    .command('diff')
    .description('show per rule what a YAML change changes in each compiled output')
    .argument('[paths...]', 'rule files or directories', DEFAULT_RULE_PATHS)
    .option('--base <ref>', 'git ref holding the old rule files', 'HEAD')
    .option('--old <dir>', 'folder of previously compiled outputs (instead of --base)')
    .option('--runbooks <dir>', 'folder of runbooks', DEFAULT_RUNBOOKS_DIR)
    .option('--json', 'print JSON')
    .action((paths: string[], o: { base: string; old?: string; runbooks: string; json?: boolean }) => {
      const now = compileRuleSet(loadRuleSet(paths, o.runbooks), 'all');
      let before: OutputFile[];
      let errors = now.errors;
      if (o.old) before = readDir(o.old);
      else {
        const old = compileRuleSet(
          validateRuleTexts(ruleTextsAtRef(o.base, paths), { runbooks: listRunbooks(o.runbooks) }),
          'all',
        );
        errors = [...errors, ...old.errors.map((e) => ({ ...e, message: `(at ${o.base}) ${e.message}` }))];
        before = old.files;
      }
      if (errors.length) {
        if (o.json) console.log(JSON.stringify({ ok: false, errors }, null, 2));
        else printIssues(errors, []);
        process.exitCode = 1;
        return;
      }
      const changes = diffOutputs(before, now.files);
      console.log(o.json ? JSON.stringify({ ok: true, changes }, null, 2) : formatChanges(changes));
    });
}
