/**
 * Reads the rule files as they were at a git ref (for `vigil rules diff --base REF`), without
 * touching the working tree: `git ls-tree` + `git show REF:path`.
 */
import { execFileSync } from 'node:child_process';
import type { RuleSourceText } from './model.ts';

/** Rule files (`*.yaml`/`*.yml` directly under each directory path) at `ref`. */
export function ruleTextsAtRef(ref: string, paths: readonly string[], cwd = '.'): RuleSourceText[] {
  const out: RuleSourceText[] = [];
  for (const p of paths) {
    const files = /\.ya?ml$/.test(p)
      ? [p]
      : execFileSync('git', ['ls-tree', '--name-only', `${ref}:${p}`], { cwd, encoding: 'utf8' })
          .split('\n')
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => `${p.replace(/\/$/, '')}/${f}`);
    for (const file of files)
      out.push({ file, text: execFileSync('git', ['show', `${ref}:${file}`], { cwd, encoding: 'utf8' }) });
  }
  return out;
}
