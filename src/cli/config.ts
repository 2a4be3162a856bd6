import type { Command } from 'commander';
import { loadConfigFile } from '../config/load.ts';
import { formatIssues } from '../shared/errors.ts';
import { printJson } from './output.ts';

/** `vigil config validate`: reports every problem of a config file at once; exit 1 on any. */
export function registerConfigCommands(program: Command): void {
  const cmd = program.command('config').description('work with vigil.yaml');
  cmd
    .command('validate [file]')
    .description('check a configuration file and list every problem with file:line:column')
    .option('--json', 'print the result as JSON', false)
    .action((file: string | undefined, o: { json: boolean }) => {
      const f = file ?? 'vigil.yaml';
      const res = loadConfigFile(f);
      if (o.json)
        printJson(
          res.ok ? { valid: true, file: f, errors: [] } : { valid: false, file: f, errors: res.issues },
        );
      else if (res.ok) process.stdout.write(`${f}: valid\n`);
      else
        process.stderr.write(
          `${formatIssues(res.issues)}\n${res.issues.length} problem${res.issues.length === 1 ? '' : 's'} in ${f}\n`,
        );
      if (!res.ok) process.exitCode = 1;
    });
}
