import { systemClock } from '../engine/clock.ts';
import type { Command } from 'commander';
import { api, targetFrom } from './client.ts';
import { printJson } from './output.ts';

/** Parses `k=v` pairs given on the command line. */
function pairs(list: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i <= 0) throw new Error(`${what} must look like name=value, got "${item}"`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `vigil alert send`: posts a test alert through the Alertmanager API v2 endpoint. */
export function registerAlertCommands(program: Command): void {
  const cmd = program.command('alert').description('work with alerts');
  cmd
    .command('send')
    .description('post a test alert (Alertmanager API v2) to a running server')
    .requiredOption('-n, --name <alertname>', 'alertname label')
    .option('-l, --label <k=v>', 'label (repeatable)', collect, [])
    .option('-a, --annotation <k=v>', 'annotation (repeatable)', collect, [])
    .option('--severity <s>', 'severity label', 'warning')
    .option('--service <name>', 'service label')
    .option('--resolve', 'send it as resolved (endsAt = now)', false)
    .option('--key <key>', 'integration key (or VIGIL_INTEGRATION_KEY; a responder token works too)')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print the server reply as JSON', false)
    .action(
      async (o: {
        name: string;
        label: string[];
        annotation: string[];
        severity: string;
        service?: string;
        resolve: boolean;
        key?: string;
        url?: string;
        json: boolean;
      }) => {
        const labels = {
          alertname: o.name,
          severity: o.severity,
          ...(o.service ? { service: o.service } : {}),
          ...pairs(o.label, '--label'),
        };
        const now = new Date(systemClock.now()).toISOString();
        const alert = {
          labels,
          annotations: pairs(o.annotation, '--annotation'),
          startsAt: now,
          ...(o.resolve ? { endsAt: now } : {}),
        };
        const target = targetFrom(o);
        const key = o.key ?? process.env['VIGIL_INTEGRATION_KEY'];
        if (key) target.token = key;
        const res = (await api(target, 'POST', '/api/v2/alerts', [alert])) as {
          accepted: number;
          incidents_opened: string[];
        };
        if (o.json) printJson(res);
        else
          process.stdout.write(
            `accepted ${res.accepted} alert${res.accepted === 1 ? '' : 's'}${res.incidents_opened.length ? `; opened ${res.incidents_opened.join(', ')}` : ''}\n`,
          );
      },
    );
}
