import type { Command } from 'commander';
import { api, targetFrom } from './client.ts';
import { printJson, table } from './output.ts';

/** A silence as vigil's /api/v1/silences returns it. */
interface SilenceJson {
  id: string;
  status: { state: string };
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual: boolean }>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  expire_on_resolve: boolean;
  notify_resolved_on_end: boolean;
}

interface Common {
  url?: string;
  json?: boolean;
}

/** Renders matchers the way amtool prints them: `alertname="X" instance=~"gpu-.*"`. */
function matcherText(ms: SilenceJson['matchers']): string {
  return ms
    .map(
      (m) =>
        `${m.name}${m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!='}${JSON.stringify(m.value)}`,
    )
    .join(' ');
}

/**
 * `vigil silences list|add|expire` against a running server (token from VIGIL_API_TOKEN), through
 * vigil's /api/v1/silences so the vigil additions (--expire-on-resolve, --notify-resolved-on-end)
 * are available; amtool works too, through the Alertmanager API.
 */
export function registerSilenceCommands(program: Command): void {
  const cmd = program
    .command('silences')
    .description('list, add and expire silences (needs a running server; token from VIGIL_API_TOKEN)');
  const withUrl = (c: Command): Command => c.option('--url <url>', 'vigil server URL (or VIGIL_URL)');

  withUrl(cmd.command('list [filter...]'))
    .description('list silences, active first; filters are matchers the silence must contain')
    .option(
      '--state <s>',
      'comma-separated: active,pending,expired (default active,pending)',
      'active,pending',
    )
    .option('--json', 'print JSON', false)
    .action(async (filter: string[], o: Common & { state: string }) => {
      const q = new URLSearchParams();
      if (o.state !== 'all') q.set('state', o.state);
      for (const f of filter) q.append('filter', f);
      const res = (await api(targetFrom(o), 'GET', `/api/v1/silences?${q.toString()}`)) as {
        silences: SilenceJson[];
      };
      if (o.json) return printJson(res.silences);
      if (res.silences.length === 0) return void process.stdout.write('no silences\n');
      process.stdout.write(
        `${table(
          ['ID', 'STATE', 'MATCHERS', 'ENDS AT', 'CREATED BY', 'COMMENT'],
          res.silences.map((s) => [
            s.id,
            s.status.state,
            matcherText(s.matchers),
            s.endsAt,
            s.createdBy,
            `${s.comment}${s.expire_on_resolve ? ' [expires on resolve]' : ''}`,
          ]),
        )}\n`,
      );
    });

  withUrl(cmd.command('add <matchers...>'))
    .description(`silence alerts matching every matcher, e.g. 'alertname="X"' 'instance=~"gpu-.*"'`)
    .option('-d, --duration <d>', 'how long, e.g. 2h or 30m (default 1h unless --end)')
    .option('--start <time>', 'start (RFC 3339; default now)')
    .option('--end <time>', 'end (RFC 3339), instead of --duration')
    .requiredOption('-c, --comment <text>', 'why (required)')
    .option('-a, --author <name>', 'created by (default: the token name)')
    .option('--expire-on-resolve', 'expire once the matched alerts have resolved', false)
    .option('--notify-resolved-on-end', 'send swallowed resolved notifications when it ends', false)
    .option('--json', 'print the created silence as JSON', false)
    .action(
      async (
        matchers: string[],
        o: Common & {
          duration?: string;
          start?: string;
          end?: string;
          comment: string;
          author?: string;
          expireOnResolve: boolean;
          notifyResolvedOnEnd: boolean;
        },
      ) => {
        const body = {
          matchers,
          comment: o.comment,
          ...(o.start ? { startsAt: o.start } : {}),
          ...(o.end ? { endsAt: o.end } : { duration: o.duration ?? '1h' }),
          ...(o.author ? { createdBy: o.author } : {}),
          expire_on_resolve: o.expireOnResolve,
          notify_resolved_on_end: o.notifyResolvedOnEnd,
        };
        const s = (await api(targetFrom(o), 'POST', '/api/v1/silences', body)) as SilenceJson;
        if (o.json) printJson(s);
        else process.stdout.write(`${s.id}\n`);
      },
    );

  withUrl(cmd.command('expire <ids...>'))
    .description('expire silences now')
    .action(async (ids: string[], o: Common) => {
      const target = targetFrom(o);
      for (const id of ids) {
        await api(target, 'DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
        process.stdout.write(`${id} expired\n`);
      }
    });
}
