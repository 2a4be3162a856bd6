import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerRulesCommands } from './rules.ts';

let dir: string;
let out: string[];
let err: string[];

async function run(...args: string[]): Promise<number> {
  process.exitCode = undefined;
  const p = new Command('vigil').exitOverride();
  registerRulesCommands(p);
  await p.parseAsync(['node', 'vigil', 'rules', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return code;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-rules-cli-'));
  mkdirSync(join(dir, 'alerts'));
  mkdirSync(join(dir, 'runbooks'));
  writeFileSync(join(dir, 'runbooks', 'disk-space.md'), '# Disk space\n');
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((m: unknown) => void out.push(String(m)));
  vi.spyOn(console, 'error').mockImplementation((m: unknown) => void err.push(String(m)));
});
afterEach(() => vi.restoreAllMocks());

const good = `alerts:
  - name: DiskFull
    query: node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.1
    for: 5m
    severity: high
    labels: { runbook: disk-space }
    annotations: { summary: "{{ $labels.mountpoint }} nearly full" }
    actions: [execute_runbook]
    cloudwatch: { namespace: CWAgent, metric: disk_used_percent, statistic: Maximum, period: 5m, evaluation_periods: 1, comparison: '>', threshold: 90 }
`;

describe('vigil rules', () => {
  it('validate: OK summary and exit 0', async () => {
    writeFileSync(join(dir, 'alerts', 'a.yaml'), good);
    expect(await run('validate', join(dir, 'alerts'), '--runbooks', join(dir, 'runbooks'))).toBe(0);
    expect(out.join('\n')).toMatch(/OK: 1 rules in 1 files \(prometheus 1, cloudwatch 1, azure 0\)/);
  });

  it('validate: broken YAML, unknown field and PromQL typo all listed as file:line:column, exit 1, --json too', async () => {
    writeFileSync(join(dir, 'alerts', 'a.yaml'), 'alerts:\n  - name: [X\n');
    writeFileSync(
      join(dir, 'alerts', 'b.yaml'),
      good.replace('    for: 5m\n', '    for: 5m\n    forr: 5m\n'),
    );
    writeFileSync(
      join(dir, 'alerts', 'c.yaml'),
      good.replace('< 0.1', '< ').replace('DiskFull', 'DiskFull2'),
    );
    expect(await run('validate', join(dir, 'alerts'), '--runbooks', join(dir, 'runbooks'))).toBe(1);
    const text = err.join('\n');
    expect(text).toMatch(/a\.yaml:\d+:\d+ .*YAML syntax/);
    expect(text).toMatch(
      /b\.yaml:5:11 alerts\[0\]\.forr: unknown field "forr"; remove it or check its spelling/,
    );
    expect(text).toMatch(/c\.yaml:3:\d+ alerts\[0\]\.query: PromQL syntax error/);
    expect(text).toMatch(/3 error\(s\); fix the listed fields/);
    err = [];
    expect(await run('validate', join(dir, 'alerts'), '--runbooks', join(dir, 'runbooks'), '--json')).toBe(1);
    const j = JSON.parse(out.join('')) as { ok: boolean; errors: { file: string; line: number }[] };
    expect(j.ok).toBe(false);
    expect(j.errors).toHaveLength(3);
  });

  it('compile: writes every target; nothing written on any error', async () => {
    writeFileSync(join(dir, 'alerts', 'a.yaml'), good);
    const o = join(dir, 'out');
    expect(
      await run(
        'compile',
        join(dir, 'alerts'),
        '--out',
        o,
        '--runbooks',
        join(dir, 'runbooks'),
        '--target',
        'all',
      ),
    ).toBe(0);
    expect(readdirSync(o).sort()).toEqual([
      'azure-alerts.json',
      'cloudwatch',
      'cloudwatch-alarms.cfn.json',
      'cloudwatch-alerts.json',
      'prometheus-alerts.yml',
      'prometheus-rule.json',
    ]);
    expect(JSON.parse(readFileSync(join(o, 'cloudwatch', 'DiskFull.json'), 'utf8'))).toMatchObject({
      AlarmName: 'DiskFull',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(out.join('\n')).toMatch(/1 rule\/target pairs not compiled/);

    writeFileSync(
      join(dir, 'alerts', 'b.yaml'),
      good.replace('DiskFull', 'Broken').replace('< 0.1', '< (0.1'),
    );
    const o2 = join(dir, 'out2');
    expect(await run('compile', join(dir, 'alerts'), '--out', o2, '--runbooks', join(dir, 'runbooks'))).toBe(
      1,
    );
    expect(existsSync(o2)).toBe(false);
    expect(err.join('\n')).toMatch(/nothing written/);
  });

  it('diff --old: shows per-rule field changes', async () => {
    writeFileSync(join(dir, 'alerts', 'a.yaml'), good);
    const o = join(dir, 'old');
    await run('compile', join(dir, 'alerts'), '--out', o, '--runbooks', join(dir, 'runbooks'));
    writeFileSync(
      join(dir, 'alerts', 'a.yaml'),
      good.replace('threshold: 90', 'threshold: 95').replace('for: 5m', 'for: 10m'),
    );
    out = [];
    expect(
      await run('diff', join(dir, 'alerts'), '--old', o, '--runbooks', join(dir, 'runbooks'), '--json'),
    ).toBe(0);
    const j = JSON.parse(out.join('')) as {
      changes: {
        output: string;
        rule: string;
        change: string;
        fields: { path: string; old: unknown; new: unknown }[];
      }[];
    };
    expect(j.changes).toContainEqual({
      output: 'cloudwatch-alerts.json',
      rule: 'DiskFull',
      change: 'changed',
      fields: [{ path: 'Threshold', old: 90, new: 95 }],
    });
    expect(j.changes).toContainEqual({
      output: 'prometheus-alerts.yml',
      rule: 'DiskFull',
      change: 'changed',
      fields: [{ path: 'for', old: '5m', new: '10m' }],
    });
  });
});
