import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { importAlertmanager } from '../pipeline/import-alertmanager.ts';
import { formatIssues } from '../shared/errors.ts';

/**
 * Registers `vigil import alertmanager FILE [--out FILE] [--json]`: converts an alertmanager.yml to
 * vigil config YAML (stdout or --out) and prints what it could not map as `file:line field: message`
 * on stderr. The main CLI calls this.
 */
export function registerImportCommands(program: Command): void {
  const imp = program.command('import').description('import configuration from other tools');
  imp
    .command('alertmanager <file>')
    .description(
      'convert an alertmanager.yml (routes, receivers, inhibit rules, time intervals) to vigil config',
    )
    .option('--out <file>', 'write the vigil YAML here instead of stdout')
    .option('--json', 'print {config, unmapped} as JSON')
    .action((file: string, opts: { out?: string; json?: boolean }) => {
      const r = importAlertmanager(file, readFileSync(file, 'utf8'));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ config: r.config, unmapped: r.unmapped }, null, 2)}\n`);
        return;
      }
      if (opts.out) writeFileSync(opts.out, r.yaml);
      else process.stdout.write(r.yaml);
      if (r.unmapped.length) process.stderr.write(`not mapped:\n${formatIssues(r.unmapped)}\n`);
    });
}
