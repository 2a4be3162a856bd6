import { execFileSync } from 'node:child_process';

/** True when an executable is on PATH. */
export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests that need these external tools can run. Without them the tests are skipped with
 * a visible notice, unless VIGIL_REQUIRE_TOOLS=1 (set by .ci/run), where a missing tool fails.
 */
export function toolsAvailable(suite: string, tools: readonly string[]): boolean {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return true;
  if (process.env['VIGIL_REQUIRE_TOOLS'] === '1')
    throw new Error(`${suite}: required tools missing: ${missing.join(', ')}`);
  console.warn(
    `\n*** ${suite} SKIPPED: ${missing.join(', ')} not installed (apt-get install prometheus prometheus-alertmanager; bash .ci/run does) ***\n`,
  );
  return false;
}
