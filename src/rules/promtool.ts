/**
 * Runs the real `promtool` (check rules / test rules) against compiled output in a temporary
 * folder, so `vigil rules test` exercises exactly what would be deployed. One promtool process
 * per command for all files keeps the suite fast.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** What a promtool run printed and whether it passed. */
interface PromtoolResult {
  ok: boolean;
  /** False when promtool is not installed (nothing was run). */
  available: boolean;
  output: string;
  files: string[];
}

/** Whether promtool can be run (honours `PROMTOOL` for a non-default binary). */
export function promtoolAvailable(bin: string = process.env['PROMTOOL'] ?? 'promtool'): boolean {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

function run(args: string[], cwd: string, files: string[]): PromtoolResult {
  const bin = process.env['PROMTOOL'] ?? 'promtool';
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8' });
  if (r.error)
    return {
      ok: false,
      available: false,
      output: `promtool not found (${r.error.message}); install Prometheus' promtool`,
      files,
    };
  return { ok: r.status === 0, available: true, output: `${r.stdout}${r.stderr}`, files };
}

/** `promtool check rules` on rule-file text. */
export function promtoolCheckRules(ruleFileText: string): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
  try {
    writeFileSync(join(dir, 'prometheus-alerts.yml'), ruleFileText);
    return run(['check', 'rules', 'prometheus-alerts.yml'], dir, ['prometheus-alerts.yml']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `promtool test rules` for every `*.yaml` in `testsDir`. The compiled rule file is written to
 * `<tmp>/prometheus-alerts.yml` and the tests to `<tmp>/alerts/tests/`, matching the
 * `rule_files: [../../prometheus-alerts.yml]` the shipped tests use (which also resolves to the
 * committed config/prometheus-alerts.yml when promtool is run in the repository).
 */
export function promtoolTestRules(ruleFileText: string, testsDir: string): PromtoolResult {
  const tests = readdirSync(testsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  if (tests.length === 0)
    return { ok: false, available: true, output: `no test files in ${testsDir}`, files: [] };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
  try {
    writeFileSync(join(dir, 'prometheus-alerts.yml'), ruleFileText);
    const t = join(dir, 'alerts', 'tests');
    mkdirSync(t, { recursive: true });
    for (const f of tests) cpSync(join(testsDir, f), join(t, basename(f)));
    return run(['test', 'rules', ...tests], t, tests);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
