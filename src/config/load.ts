import fs from 'node:fs';
import path from 'node:path';
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
  if (!parsed.success) return { ok: false, issues: zodIssues(src, parsed.error) };
  const config = parsed.data;
  const issues: FieldIssue[] = [];
  const integrations: ResolvedIntegration[] = [];
  const seenNames = new Set<string>();
  const seenKeys = new Set<string>();
  config.integrations.forEach((i, idx) => {
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
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, loaded: { file, config, integrations, original: text } };
}
