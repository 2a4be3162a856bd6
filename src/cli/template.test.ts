import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerTemplateCommands } from './template.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-template-'));
const incident = join(dir, 'inc.json');
writeFileSync(
  incident,
  JSON.stringify({
    id: 'INC-3',
    title: 'Feature drift on ranker',
    severity: 'high',
    service: 'ranker',
    labels: { model: 'ranker-v7' },
    triggeredAt: '2026-01-05T09:00:00Z',
    runbookUrl: 'https://rb.example/drift',
  }),
);

async function run(args: string[]): Promise<string> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const program = new Command().exitOverride();
  registerTemplateCommands(program);
  try {
    await program.parseAsync(['template', 'render', ...args], { from: 'user' });
    return out.mock.calls.map((c) => String(c[0])).join('');
  } finally {
    out.mockRestore();
  }
}

describe('vigil template render', () => {
  it('prints the Slack payload for an incident file', async () => {
    const p = JSON.parse(
      await run(['--channel', 'slack', '--event', 'triggered', '--incident', incident]),
    ) as { text: string };
    expect(p.text).toContain('[HIGH] Feature drift on ranker');
  });

  it('applies templates from --config and reports template errors from it', async () => {
    const cfg = join(dir, 'vigil.yaml');
    writeFileSync(
      cfg,
      'templates:\n  sms:\n    default:\n      title: "{{ incident.labels.model }} drifted"\n',
    );
    const p = JSON.parse(
      await run(['--channel', 'sms', '--event', 'escalated', '--incident', incident, '--config', cfg]),
    ) as { body: string };
    expect(p.body.startsWith('ranker-v7 drifted')).toBe(true);
    writeFileSync(cfg, 'templates:\n  sms:\n    default:\n      title: "{{ incident.nope }}"\n');
    await expect(run(['--channel', 'sms', '--incident', incident, '--config', cfg])).rejects.toMatchObject({
      code: 'config_invalid',
      issues: [{ field: 'templates.sms.default.title', line: 4 }],
    });
  });
});
