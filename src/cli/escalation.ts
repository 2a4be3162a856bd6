import type { Command } from 'commander';
import { VigilError } from '../shared/errors.ts';
import { api, targetFrom } from './client.ts';
import { printJson } from './output.ts';

interface EscalationJson {
  incident: string;
  status: string;
  policy: string | null;
  state: string;
  retriggerAt: string | null;
  steps: { key: string; round: number; level: number; dueAt: string; status: string; users: string[] }[];
}

function printEscalation(e: EscalationJson): void {
  const lines = [
    `${e.incident}  ${e.status}  policy ${e.policy ?? '(none)'}  escalation ${e.state}`,
    ...(e.retriggerAt ? [`  re-triggers at ${e.retriggerAt} (ack timeout)`] : []),
    ...e.steps.map(
      (s) =>
        `  round ${s.round} level ${s.level + 1}  ${s.dueAt}  ${s.status.padEnd(9)}${s.users.length ? `  ${s.users.join(', ')}` : ''}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function minutes(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new VigilError('validation_failed', 'bad --after-minutes', [
      { field: '--after-minutes', message: 'a whole number of minutes, 0 or more' },
    ]);
  return n;
}

/**
 * `vigil incidents escalate ID [--policy P] [--after-minutes N]` and
 * `vigil incidents escalation ID`, against a running server. Without options `escalate` fires
 * the next level now (POST /api/v1/incidents/ID/escalate); with `--policy` and/or
 * `--after-minutes` it sets the per-incident override instead (POST …/escalation): escalate with
 * that policy, its levels N minutes apart. Adds to the `incidents` command when it exists.
 */
export function registerEscalationCommands(program: Command): void {
  const incidents =
    program.commands.find((c) => c.name() === 'incidents') ??
    program.command('incidents').description('list and act on incidents');
  incidents
    .command('escalate <id>')
    .description('escalate now, or with --policy/--after-minutes change how this incident escalates')
    .option('--policy <id>', 'escalate with this escalation policy')
    .option('--after-minutes <n>', 'levels this many minutes apart')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(
      async (id: string, o: { policy?: string; afterMinutes?: string; url?: string; json: boolean }) => {
        const ref = encodeURIComponent(id);
        const override = o.policy !== undefined || o.afterMinutes !== undefined;
        const reply = (
          override
            ? await api(targetFrom(o), 'POST', `/api/v1/incidents/${ref}/escalation`, {
                ...(o.policy !== undefined ? { policy: o.policy } : {}),
                ...(o.afterMinutes !== undefined ? { after_minutes: minutes(o.afterMinutes) } : {}),
              })
            : await api(targetFrom(o), 'POST', `/api/v1/incidents/${ref}/escalate`)
        ) as EscalationJson;
        if (o.json) return printJson(reply);
        printEscalation(reply);
      },
    );
  incidents
    .command('escalation <id>')
    .description("show an incident's escalation plan and which levels fired")
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o: { url?: string; json: boolean }) => {
      const reply = (await api(
        targetFrom(o),
        'GET',
        `/api/v1/incidents/${encodeURIComponent(id)}/escalation`,
      )) as EscalationJson;
      if (o.json) return printJson(reply);
      printEscalation(reply);
    });
}
