import { systemClock } from '../engine/clock.ts';
import type { Command } from 'commander';
import { api, targetFrom } from './client.ts';
import { age, printJson, table } from './output.ts';

interface IncidentJson {
  id: string;
  title: string;
  severity: string;
  status: string;
  service: string;
  triggeredAt: string;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  priority?: {
    priority: string;
    score: number;
    urgency: string;
    breakdown: Array<{ factor: string; points: number; detail: string }>;
  };
}

interface Common {
  url?: string;
  json?: boolean;
}

function printIncident(
  i: IncidentJson & {
    alerts?: Array<{ fingerprint: string; status: string; labels: Record<string, string> }>;
    timeline?: Array<{ at: string; type: string; actor: string; data: Record<string, unknown> }>;
  },
): void {
  const out = [
    `${i.id}  ${i.title}`,
    `  status:    ${i.status}${i.acknowledgedBy ? ` (acknowledged by ${i.acknowledgedBy})` : ''}`,
    `  severity:  ${i.severity}`,
    `  service:   ${i.service}`,
    `  triggered: ${i.triggeredAt}`,
  ];
  if (i.priority) {
    const p = i.priority;
    out.push(`  priority:  ${p.priority} (score ${p.score}, urgency ${p.urgency})`);
    for (const f of p.breakdown)
      out.push(`    ${`+${f.points}`.padStart(4)}  ${f.factor.padEnd(16)} ${f.detail}`);
  }
  if (i.resolvedAt) out.push(`  resolved:  ${i.resolvedAt}`);
  if (i.alerts?.length) {
    out.push('', '  alerts:');
    for (const a of i.alerts)
      out.push(
        `    ${a.fingerprint}  ${a.status.padEnd(8)}  ${Object.entries(a.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
  }
  if (i.timeline?.length) {
    out.push('', '  timeline:');
    for (const e of i.timeline) {
      const detail =
        typeof e.data['text'] === 'string'
          ? `: ${e.data['text']}`
          : typeof e.data['alertname'] === 'string'
            ? ` ${e.data['alertname']}`
            : '';
      out.push(`    ${e.at}  ${e.type}  by ${e.actor}${detail}`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** `vigil incidents list|show|ack|resolve|note|declare`, against a running server. */
export function registerIncidentCommands(program: Command): void {
  const cmd = program
    .command('incidents')
    .description('list and act on incidents (needs a running server; token from VIGIL_API_TOKEN)');
  const withCommon = (c: Command): Command =>
    c.option('--url <url>', 'vigil server URL (or VIGIL_URL)').option('--json', 'print JSON', false);

  withCommon(cmd.command('list'))
    .description('list incidents, newest first')
    .option('--status <s>', 'comma-separated: triggered,acknowledged,resolved')
    .option('--severity <s>', 'comma-separated: critical,high,medium,low')
    .option('--service <name>', 'only this service')
    .option('--since <time>', 'triggered at or after (RFC 3339)')
    .option('--limit <n>', 'at most this many', '50')
    .action(
      async (
        o: Common & { status?: string; severity?: string; service?: string; since?: string; limit: string },
      ) => {
        const q = new URLSearchParams();
        for (const k of ['status', 'severity', 'service', 'since', 'limit'] as const)
          if (o[k]) q.set(k, String(o[k]));
        const res = (await api(targetFrom(o), 'GET', `/api/v1/incidents?${q.toString()}`)) as {
          incidents: IncidentJson[];
        };
        if (o.json) return printJson(res.incidents);
        if (res.incidents.length === 0) return void process.stdout.write('no incidents\n');
        const now = systemClock.now();
        process.stdout.write(
          `${table(
            ['ID', 'PRIO', 'STATUS', 'SEVERITY', 'SERVICE', 'AGE', 'TITLE'],
            res.incidents.map((i) => [
              i.id,
              i.priority?.priority ?? '-',
              i.status,
              i.severity,
              i.service,
              age(i.triggeredAt, now),
              i.title,
            ]),
          )}\n`,
        );
      },
    );

  withCommon(cmd.command('show <id>'))
    .description('show an incident with its alerts and timeline')
    .action(async (id: string, o: Common) => {
      const res = (await api(
        targetFrom(o),
        'GET',
        `/api/v1/incidents/${encodeURIComponent(id)}`,
      )) as IncidentJson;
      if (o.json) printJson(res);
      else printIncident(res);
    });

  for (const [name, path, verb] of [
    ['ack', 'acknowledge', 'acknowledged'],
    ['resolve', 'resolve', 'resolved'],
  ] as const) {
    withCommon(cmd.command(`${name} <id>`))
      .description(`${path} an incident`)
      .action(async (id: string, o: Common) => {
        const res = (await api(
          targetFrom(o),
          'POST',
          `/api/v1/incidents/${encodeURIComponent(id)}/${path}`,
        )) as IncidentJson;
        if (o.json) printJson(res);
        else process.stdout.write(`${res.id} ${verb} (status: ${res.status})\n`);
      });
  }

  withCommon(cmd.command('note <id> <text>'))
    .description('add a note to the timeline')
    .action(async (id: string, text: string, o: Common) => {
      const res = (await api(targetFrom(o), 'POST', `/api/v1/incidents/${encodeURIComponent(id)}/notes`, {
        text,
      })) as IncidentJson;
      if (o.json) printJson(res);
      else process.stdout.write(`note added to ${res.id}\n`);
    });

  withCommon(cmd.command('declare <title>'))
    .description('open an incident by hand')
    .option('--severity <s>', 'critical, high, medium or low', 'high')
    .option('--service <name>', 'affected service', 'unknown')
    .action(async (title: string, o: Common & { severity: string; service: string }) => {
      const res = (await api(targetFrom(o), 'POST', '/api/v1/incidents', {
        title,
        severity: o.severity,
        service: o.service,
      })) as IncidentJson;
      if (o.json) printJson(res);
      else process.stdout.write(`${res.id} declared: ${res.title}\n`);
    });
}
