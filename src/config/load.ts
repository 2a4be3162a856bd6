import fs from 'node:fs';
import path from 'node:path';
import { parseNotifyConfig, validateNotifyConfig, type NotifyConfig } from '../notify/config.ts';
import { parseOncallSections, type OncallSections } from '../oncall/validate-config.ts';
import { validatePipelineConfig } from '../pipeline/config.ts';
import { buildPipeline, type Pipeline } from '../pipeline/setup.ts';
import type { FieldIssue } from '../shared/errors.ts';
import { configSchema, type VigilConfig } from './schema.ts';
import { resolveSecret } from './secret.ts';
import { issueAt, parseYamlSource, zodIssues } from './yaml-source.ts';

/** An integration with its key resolved. */
export interface ResolvedIntegration {
  name: string;
  key: string;
  format: 'alertmanager' | 'generic' | 'any';
}

/** A loaded configuration: the validated document plus what was resolved from it. */
export interface LoadedConfig {
  file: string;
  config: VigilConfig;
  integrations: ResolvedIntegration[];
  /** users, teams, schedules and escalation policies, validated by the on-call domain. */
  oncall: OncallSections;
  /** channels, users' contact methods and rules, templates, notification settings. */
  notify: NotifyConfig;
  /** The compiled routing tree, inhibition rules, time intervals and maintenance windows. */
  pipeline: Pipeline;
  /** The file's text as read; /api/v2/status shows it with secrets redacted. */
  original: string;
}

/** The result of loading: a config, or every problem found (never only the first). */
export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; issues: FieldIssue[] };

/**
 * Reads and validates vigil.yaml, reporting every problem at once with file, line, column and
 * field. Secrets referenced by `{ env }` or `{ file }` are resolved here, so a missing secret is
 * a config error at start, not a failure when the first alert arrives.
 */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { ok: false, issues: [{ file, field: '', message: `cannot read the config file (${code})` }] };
  }
  return loadConfigText(file, text, env);
}

/** Validates config text (see loadConfigFile). */
export function loadConfigText(file: string, text: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const src = parseYamlSource(file, text);
  if (src.syntaxIssues.length > 0) return { ok: false, issues: src.syntaxIssues };
  const parsed = configSchema.safeParse(src.value ?? {});
  const issues: FieldIssue[] = parsed.success ? [] : zodIssues(src, parsed.error);
  const integrations: ResolvedIntegration[] = [];
  if (parsed.success) {
    const seenNames = new Set<string>();
    const seenKeys = new Set<string>();
    parsed.data.integrations.forEach((i, idx) => {
      if (seenNames.has(i.name))
        issues.push(issueAt(src, ['integrations', idx, 'name'], `duplicate integration name "${i.name}"`));
      seenNames.add(i.name);
      const key = resolveSecret(i.key, path.dirname(file), env);
      if ('error' in key) {
        issues.push(issueAt(src, ['integrations', idx, 'key'], key.error));
        return;
      }
      if (key.value.length < 16)
        issues.push(
          issueAt(src, ['integrations', idx, 'key'], 'an integration key must be at least 16 characters'),
        );
      if (seenKeys.has(key.value))
        issues.push(issueAt(src, ['integrations', idx, 'key'], 'two integrations share this key'));
      seenKeys.add(key.value);
      integrations.push({ name: i.name, key: key.value, format: i.format });
    });
  }
  // The domains own their sections: each validates its part and all problems are reported together.
  const oncall = parseOncallSections(src, src.value, { channels: channelIds(src.value) });
  issues.push(...oncall.issues);
  const notifyIssues = validateNotifyConfig(src, src.value);
  issues.push(...notifyIssues);
  issues.push(
    ...validatePipelineConfig(src, src.value, {
      channels: channelIds(src.value),
      escalationPolicies: new Set(oncall.sections.escalationPolicies.map((p) => p.id)),
    }),
  );
  if (issues.length > 0 || !parsed.success) return { ok: false, issues: sortIssues(issues) };
  return {
    ok: true,
    loaded: {
      file,
      config: parsed.data,
      integrations,
      original: text,
      oncall: oncall.sections,
      notify: parseNotifyConfig(src.value),
      pipeline: buildPipeline((src.value ?? {}) as Record<string, unknown>),
    },
  };
}

/** The ids of `channels:` entries, read leniently (for cross-references before full validation). */
function channelIds(value: unknown): Set<string> {
  const channels = (value as { channels?: unknown } | undefined)?.channels;
  if (!Array.isArray(channels)) return new Set();
  return new Set(
    channels
      .map((c: unknown) => (c as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string'),
  );
}

/** Orders issues by position in the file, so the list reads top to bottom. */
function sortIssues(issues: FieldIssue[]): FieldIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
