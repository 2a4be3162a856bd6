/**
 * The I/O edge of rule validation: finds rule files under the given paths (a directory means its
 * `*.yaml`/`*.yml` files, not its subfolders, so `config/alerts/tests/` is not read as rules) and
 * lists the shipped runbooks, then hands texts to the pure validator.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleSet } from './model.ts';
import { validateRuleTexts } from './validate.ts';

/** Default location of the rule library and the runbooks, relative to the repository root. */
export const DEFAULT_RULE_PATHS = ['config/alerts'];
/** Default runbook folder. */
export const DEFAULT_RUNBOOKS_DIR = 'runbooks';

/** Expands files and directories into a sorted list of rule files. */
function findRuleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (existsSync(p) && statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort())
        if (/\.ya?ml$/.test(f) && statSync(join(p, f)).isFile()) out.push(join(p, f));
    } else out.push(p);
  }
  return out;
}

/** Names of the runbooks in `dir` (`<name>.md`). */
export function listRunbooks(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .map((f) => f.slice(0, -3));
}

/** Reads and validates rule files; a missing file is an error in the result, not an exception. */
export function loadRuleSet(paths: readonly string[], runbooksDir: string = DEFAULT_RUNBOOKS_DIR): RuleSet {
  const files = findRuleFiles(paths);
  const sources = [];
  const missing = [];
  for (const file of files) {
    try {
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (e) {
      missing.push({ file, field: '', message: `cannot read rule file: ${(e as Error).message}` });
    }
  }
  const set = validateRuleTexts(sources, { runbooks: listRunbooks(runbooksDir) });
  if (files.length === 0)
    set.errors.push({ field: '', message: `no rule files found in ${paths.join(', ')}` });
  set.errors.unshift(...missing);
  return set;
}
