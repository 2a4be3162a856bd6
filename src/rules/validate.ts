/**
 * `vigil rules validate`: parses rule files and reports every problem — YAML syntax, unknown or
 * mistyped fields, PromQL syntax (official lezer grammar), template syntax, severities, actions and
 * runbooks, duplicate names, and what each targeted backend needs — each located at
 * file:line:column with what to do. Pure: takes file texts and a runbook lookup, returns a RuleSet.
 */
import { issueAt, parseYamlSource, zodIssues, type YamlSource } from '../config/yaml-source.ts';
import type { z } from 'zod';
import type { FieldIssue } from '../shared/errors.ts';
import { checkAzure, checkCloudWatch } from './backend-checks.ts';
import { issueInValue } from './locate.ts';
import type { Rule, RuleSet, RuleSourceText } from './model.ts';
import { checkPromql } from './promql.ts';
import { RUNBOOK_ACTIONS, RuleFileSchema, RuleSchema, type RuleInput, type Target } from './schema.ts';
import { normalizeSeverity } from './severity.ts';
import { checkTemplate } from './template.ts';

/** What validation needs to know about the world outside the rule files. */
interface ValidateOptions {
  /** Names of the runbooks that exist (`runbooks/<name>.md`). */
  runbooks: readonly string[];
}

type Path = (string | number)[];

/** Validates rule file texts; never throws. `errors` empty means every rule can be compiled. */
export function validateRuleTexts(sources: readonly RuleSourceText[], opts: ValidateOptions): RuleSet {
  const set: RuleSet = { rules: [], files: sources.map((s) => s.file), errors: [], warnings: [] };
  const seen = new Map<string, string>();
  for (const { file, text } of sources) {
    const src = parseYamlSource(file, text);
    if (src.syntaxIssues.length) {
      set.errors.push(
        ...src.syntaxIssues.map((i) => ({
          ...i,
          message: `YAML syntax: ${i.message}; fix the YAML at this position`,
        })),
      );
      continue;
    }
    const parsed = RuleFileSchema.safeParse(src.value);
    if (!parsed.success) {
      set.errors.push(...schemaIssues(src, parsed.error.issues, []));
      if (!Array.isArray((src.value as { alerts?: unknown } | undefined)?.alerts)) continue;
    }
    const fileVal = src.value as { group?: unknown; interval?: unknown; alerts: unknown[] };
    const group =
      typeof fileVal.group === 'string'
        ? fileVal.group
        : (file.split('/').pop() ?? file).replace(/\.ya?ml$/, '');
    fileVal.alerts.forEach((raw, i) => {
      const at: Path = ['alerts', i];
      const r = RuleSchema.safeParse(raw);
      if (!r.success) {
        set.errors.push(...schemaIssues(src, r.error.issues, at));
        return;
      }
      const errs: FieldIssue[] = [];
      const rule = checkRule(r.data, src, text, at, opts, errs, set.warnings);
      const where = issueAt(src, [...at, 'name'], '');
      const first = seen.get(r.data.name);
      if (first)
        errs.push(
          issueAt(
            src,
            [...at, 'name'],
            `duplicate rule name "${r.data.name}" (first defined at ${first}); rule names must be unique across all rule files — rename one`,
          ),
        );
      else seen.set(r.data.name, `${file}:${where.line ?? 1}`);
      set.errors.push(...errs);
      if (errs.length === 0 && rule) {
        const groupInterval = typeof fileVal.interval === 'string' ? fileVal.interval : undefined;
        set.rules.push({
          ...rule,
          file,
          line: where.line ?? 1,
          group,
          ...(groupInterval ? { groupInterval } : {}),
        });
      }
    });
  }
  return set;
}

function schemaIssues(src: YamlSource, issues: readonly z.core.$ZodIssue[], prefix: Path): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of issues) {
    const path = [...prefix, ...(i.path as Path)];
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys)
        out.push(
          issueAt(
            src,
            [...path, k],
            `unknown field "${k}"; remove it or check its spelling (see docs/rules.md for the fields)`,
          ),
        );
    } else if (i.code === 'invalid_value' && 'values' in i) {
      out.push(issueAt(src, path, `${i.message}`));
    } else out.push(...zodIssues(src, { issues: [i] } as unknown as z.ZodError, prefix));
  }
  return out;
}

function checkRule(
  input: RuleInput,
  src: YamlSource,
  text: string,
  at: Path,
  opts: ValidateOptions,
  errs: FieldIssue[],
  warnings: FieldIssue[],
): Omit<Rule, 'file' | 'line' | 'group'> | undefined {
  const severity = normalizeSeverity(input.severity);
  if (!severity)
    errs.push(
      issueAt(
        src,
        [...at, 'severity'],
        `unknown severity "${input.severity}"; use critical, high, medium or low (page→critical, warning→medium, info→low are accepted)`,
      ),
    );
  const labels = { ...(input.labels ?? {}) };
  if ('severity' in labels)
    errs.push(
      issueAt(
        src,
        [...at, 'labels', 'severity'],
        "do not set severity as a label; use the rule's severity field (it becomes the label)",
      ),
    );
  if ('alertname' in labels)
    errs.push(issueAt(src, [...at, 'labels', 'alertname'], 'alertname is set from name; remove this label'));

  const targets = resolveTargets(input, src, at, errs, warnings);
  let query: string | undefined;
  if (input.query !== undefined) {
    const pq = checkPromql(input.query);
    for (const e of pq.errors) errs.push(issueInValue(src, text, [...at, 'query'], e.offset, e.message));
    for (const c of pq.conversions)
      warnings.push(
        issueInValue(
          src,
          text,
          [...at, 'query'],
          c.offset,
          `"${c.written}" compiled as ${c.seconds} (seconds, the Prometheus base unit); make sure the metric is in seconds`,
        ),
      );
    query = pq.normalized.trim();
  }
  for (const kind of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(input[kind] ?? {}))
      for (const e of checkTemplate(v))
        errs.push(issueInValue(src, text, [...at, kind, k], e.offset, `template: ${e.message}`));
  }
  const actions = input.actions ?? [];
  const runbook = labels['runbook'];
  if (actions.some((a) => RUNBOOK_ACTIONS.includes(a)) && runbook === undefined)
    errs.push(
      issueAt(
        src,
        [...at, 'actions'],
        `actions ${RUNBOOK_ACTIONS.join('/')} need a "runbook" label naming a runbook in runbooks/`,
      ),
    );
  if (runbook !== undefined && !opts.runbooks.includes(runbook))
    errs.push(
      issueAt(
        src,
        [...at, 'labels', 'runbook'],
        `runbook "${runbook}" not found; create runbooks/${runbook}.md or use one of: ${[...opts.runbooks].sort().join(', ') || '(none)'}`,
      ),
    );
  if (input.cloudwatch)
    for (const p of checkCloudWatch(input.cloudwatch))
      errs.push(issueAt(src, [...at, 'cloudwatch', ...p.path], p.message));
  if (input.azure)
    for (const p of checkAzure(input.azure)) errs.push(issueAt(src, [...at, 'azure', ...p.path], p.message));
  if (!severity) return undefined;
  return {
    name: input.name,
    targets,
    ...(query !== undefined ? { query } : {}),
    ...(input.for !== undefined ? { for: input.for } : {}),
    ...(input.keep_firing_for !== undefined ? { keepFiringFor: input.keep_firing_for } : {}),
    severity,
    labels,
    annotations: { ...(input.annotations ?? {}) },
    actions,
    ...(input.cloudwatch ? { cloudwatch: input.cloudwatch } : {}),
    ...(input.azure ? { azure: input.azure } : {}),
  };
}

const NEEDS: Record<Target, string> = {
  prometheus: 'a PromQL query',
  cloudwatch: 'a cloudwatch: block (CloudWatch cannot evaluate PromQL)',
  azure: 'an azure: block (Azure Monitor cannot evaluate PromQL)',
};

function resolveTargets(
  input: RuleInput,
  src: YamlSource,
  at: Path,
  errs: FieldIssue[],
  warnings: FieldIssue[],
): Target[] {
  const has: Record<Target, boolean> = {
    prometheus: input.query !== undefined,
    cloudwatch: !!input.cloudwatch,
    azure: !!input.azure,
  };
  if (!input.targets) {
    const t = (Object.keys(has) as Target[]).filter((k) => has[k]);
    if (t.length === 0)
      errs.push(
        issueAt(
          src,
          at,
          'rule has no query, cloudwatch or azure block, so no backend can run it; add at least one',
        ),
      );
    return t;
  }
  input.targets.forEach((t, j) => {
    if (!has[t])
      errs.push(
        issueAt(
          src,
          [...at, 'targets', j],
          `rule targets ${t} but has no ${NEEDS[t]}; add it or remove ${t} from targets`,
        ),
      );
  });
  for (const k of Object.keys(has) as Target[])
    if (has[k] && !input.targets.includes(k) && k !== 'prometheus')
      warnings.push(issueAt(src, [...at, k], `${k} block is ignored because targets does not list ${k}`));
  return [...new Set(input.targets)];
}
