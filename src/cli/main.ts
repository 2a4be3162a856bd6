import { Command, CommanderError } from 'commander';
import { VigilError, formatIssues } from '../shared/errors.ts';
import { packageVersion } from '../server/start.ts';
import { registerAlertCommands } from './alert.ts';
import { registerConfigCommands } from './config.ts';
import { registerEscalationCommands } from './escalation.ts';
import { registerImportCommands } from './import.ts';
import { registerIncidentCommands } from './incidents.ts';
import { registerNotifyCommands } from './notify.ts';
import { registerOncallCommands } from './oncall.ts';
import { registerRulesCommands } from './rules.ts';
import { registerServeCommand } from './serve.ts';
import { registerSilenceCommands } from './silences.ts';
import { registerTemplateCommands } from './template.ts';
import { registerTokenCommands } from './token.ts';

/** Builds the `vigil` command tree. */
export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('alerting and incident response for teams running ML systems')
    .version(packageVersion())
    .showHelpAfterError();
  registerServeCommand(program);
  registerIncidentCommands(program);
  registerAlertCommands(program);
  registerConfigCommands(program);
  registerTokenCommands(program);
  registerRulesCommands(program);
  registerImportCommands(program);
  registerTemplateCommands(program);
  registerNotifyCommands(program);
  registerSilenceCommands(program);
  registerOncallCommands(program);
  registerEscalationCommands(program);
  return program;
}

/** Runs the CLI; errors print as one clear line (plus field errors), never a stack trace. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const msg =
      err instanceof VigilError
        ? `${err.message}${err.issues.length && !err.message.includes('\n') ? `\n${formatIssues(err.issues)}` : ''}`
        : err instanceof Error
          ? err.message
          : String(err);
    process.stderr.write(`vigil: ${msg}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
