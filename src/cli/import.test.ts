import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerImportCommands } from './import.ts';

describe('vigil import alertmanager', () => {
  it('prints vigil YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-import-'));
    const file = join(dir, 'am.yml');
    writeFileSync(
      file,
      'route:\n  receiver: r\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x\n',
    );
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const program = new Command();
    registerImportCommands(program);
    await program.parseAsync(['node', 'vigil', 'import', 'alertmanager', file]);
    const text = out.mock.calls.map((c) => String(c[0])).join('');
    out.mockRestore();
    expect(text).toContain('type: webhook');
    expect(text).toContain('- r-webhook-0');
  });
});
