import type { Command } from 'commander';
import { VigilError } from '../shared/errors.ts';
import { api, targetFrom } from './client.ts';
import { printJson, table } from './output.ts';

/**
 * `vigil oncall who|shifts|schedules|override add|list|remove|report|ical-url`: on-call at run
 * time, against a running server (`--url` or VIGIL_URL; token from VIGIL_API_TOKEN). Every
 * command prints a readable table, or the server's JSON with `--json`.
 */

interface Common {
  url?: string;
  json?: boolean;
}

interface ShiftJson {
  start: string;
  end: string;
  users: string[];
  layer: string | null;
  reason: string;
}

interface WhoJson {
  schedule: string;
  at: string;
  users: string[];
  shift: ShiftJson;
  next: ShiftJson | null;
  backup: { users: string[]; why: string; layer: string | null };
}

interface OverrideJson {
  id: string;
  kind: string;
  user?: string;
  replaces?: string;
  start: string;
  end: string;
  note: string | null;
  createdBy: string;
}

interface ReportJson {
  period: { label: string; from: string; to: string };
  pages: number;
  people: {
    user: string;
    hoursOnCall: number;
    pages: number;
    interruptions: { business: number; offHours: number; sleep: number };
  }[];
  schedules: {
    scheduleId: string;
    hoursCovered: number;
    hoursUncovered: number;
    fairness: { hoursGini: number; offHoursPagesGini: number; hoursMaxMinRatio: number | null };
  }[];
}

/** `2026-11-27T09:00:00.000Z` → `2026-11-27 09:00Z`. */
const short = (iso: string): string => iso.replace('T', ' ').replace(/:00\.000Z$|\.000Z$/, 'Z');
const users = (list: readonly string[]): string => (list.length ? list.join(', ') : '(nobody)');
const num = (n: number, digits = 1): string => (Number.isInteger(n) ? String(n) : n.toFixed(digits));
const out = (text: string): void => void process.stdout.write(`${text}\n`);

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

const sched = (id: string): string => `/api/v1/schedules/${encodeURIComponent(id)}`;

function registerOverrideCommands(oncall: Command): void {
  const override = oncall.command('override').description('runtime overrides of a schedule');
  override
    .command('add')
    .description('put someone on call: --user alone takes over, with --replaces swaps, --kind add/remove')
    .requiredOption('--schedule <id>', 'schedule id')
    .option('--user <id>', 'who goes on call')
    .option('--replaces <id>', 'who is taken off call')
    .option('--kind <kind>', 'replace, take_over, add or remove (default: from --user/--replaces)')
    .requiredOption('--start <time>', 'RFC 3339 start, e.g. 2026-12-24T00:00:00Z')
    .requiredOption('--end <time>', 'RFC 3339 end')
    .option('--note <text>', 'why')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(
      async (
        o: Common & {
          schedule: string;
          user?: string;
          replaces?: string;
          kind?: string;
          start: string;
          end: string;
          note?: string;
        },
      ) => {
        const body = {
          ...(o.kind ? { kind: o.kind } : {}),
          ...(o.user ? { user: o.user } : {}),
          ...(o.replaces ? { replaces: o.replaces } : {}),
          start: o.start,
          end: o.end,
          ...(o.note ? { note: o.note } : {}),
        };
        const r = (await api(targetFrom(o), 'POST', `${sched(o.schedule)}/overrides`, body)) as OverrideJson;
        if (o.json) return printJson(r);
        out(`override ${r.id} created (${r.kind})`);
      },
    );
  override
    .command('list')
    .description('list the runtime overrides of a schedule')
    .requiredOption('--schedule <id>', 'schedule id')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common & { schedule: string }) => {
      const r = (await api(targetFrom(o), 'GET', `${sched(o.schedule)}/overrides`)) as {
        overrides: OverrideJson[];
      };
      if (o.json) return printJson(r);
      out(
        table(
          ['ID', 'KIND', 'USER', 'REPLACES', 'START', 'END', 'BY', 'NOTE'],
          r.overrides.map((x) => [
            x.id,
            x.kind,
            x.user ?? '',
            x.replaces ?? '',
            short(x.start),
            short(x.end),
            x.createdBy,
            x.note ?? '',
          ]),
        ),
      );
    });
  override
    .command('remove')
    .description('delete a runtime override')
    .argument('<overrideId>', 'the id `override list` shows')
    .requiredOption('--schedule <id>', 'schedule id')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, o: Common & { schedule: string }) => {
      const r = await api(
        targetFrom(o),
        'DELETE',
        `${sched(o.schedule)}/overrides/${encodeURIComponent(id)}`,
      );
      if (o.json) return printJson(r);
      out(`override ${id} removed`);
    });
}

/** Registers `vigil oncall …`. */
export function registerOncallCommands(program: Command): void {
  const oncall = program.command('oncall').description('who is on call, shifts, overrides and burden');
  oncall
    .command('who')
    .description('who is on call in a schedule now (or --at), the next person and the backup')
    .requiredOption('--schedule <id>', 'schedule id')
    .option('--at <time>', 'RFC 3339 instant (default now)')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common & { schedule: string; at?: string }) => {
      const r = (await api(
        targetFrom(o),
        'GET',
        `/api/v1/oncall${query({ schedule: o.schedule, at: o.at })}`,
      )) as WhoJson;
      if (o.json) return printJson(r);
      const s = r.shift;
      const lines = [
        `${r.schedule} at ${short(r.at)}`,
        `  on call: ${users(r.users)}  (${s.reason}${s.layer ? `, layer ${s.layer}` : ''}, ${short(s.start)} → ${short(s.end)})`,
        `  next:    ${r.next ? `${users(r.next.users)} from ${short(r.next.start)}` : '(none found)'}`,
        `  backup:  ${users(r.backup.users)}${r.backup.why !== 'none' ? ` (${r.backup.why})` : ''}`,
      ];
      out(lines.join('\n'));
    });
  oncall
    .command('shifts')
    .description('the final shifts of a schedule in [--from, --to), gaps included')
    .requiredOption('--schedule <id>', 'schedule id')
    .option('--from <time>', 'RFC 3339 start (default now)')
    .option('--to <time>', 'RFC 3339 end (default 7 days after --from)')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common & { schedule: string; from?: string; to?: string }) => {
      const r = (await api(
        targetFrom(o),
        'GET',
        `${sched(o.schedule)}/shifts${query({ from: o.from, to: o.to })}`,
      )) as { shifts: ShiftJson[] };
      if (o.json) return printJson(r);
      out(
        table(
          ['START', 'END', 'ON CALL', 'LAYER', 'REASON'],
          r.shifts.map((s) => [short(s.start), short(s.end), users(s.users), s.layer ?? '', s.reason]),
        ),
      );
    });
  oncall
    .command('schedules')
    .description('list schedules with who is on call now')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common) => {
      const r = (await api(targetFrom(o), 'GET', '/api/v1/schedules')) as {
        schedules: { id: string; name: string; timeZone: string; onCallNow: string[] }[];
      };
      if (o.json) return printJson(r);
      out(
        table(
          ['ID', 'NAME', 'ZONE', 'ON CALL NOW'],
          r.schedules.map((s) => [s.id, s.name, s.timeZone, users(s.onCallNow)]),
        ),
      );
    });
  registerOverrideCommands(oncall);
  oncall
    .command('report')
    .description('on-call burden per person and schedule')
    .option('--period <p>', 'last_7_days, last_30_days or FROM..TO', 'last_30_days')
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common & { period: string }) => {
      const r = (await api(
        targetFrom(o),
        'GET',
        `/api/v1/oncall/report${query({ period: o.period })}`,
      )) as ReportJson;
      if (o.json) return printJson(r);
      const people = table(
        ['USER', 'HOURS', 'PAGES', 'BUSINESS', 'OFF-HOURS', 'SLEEP'],
        r.people.map((p) => [
          p.user,
          num(p.hoursOnCall),
          String(p.pages),
          String(p.interruptions.business),
          String(p.interruptions.offHours),
          String(p.interruptions.sleep),
        ]),
      );
      const schedules = table(
        ['SCHEDULE', 'COVERED H', 'UNCOVERED H', 'HOURS GINI', 'OFF-HOURS GINI', 'MAX/MIN'],
        r.schedules.map((s) => [
          s.scheduleId,
          num(s.hoursCovered),
          num(s.hoursUncovered),
          s.fairness.hoursGini.toFixed(2),
          s.fairness.offHoursPagesGini.toFixed(2),
          s.fairness.hoursMaxMinRatio === null ? '-' : s.fairness.hoursMaxMinRatio.toFixed(2),
        ]),
      );
      out(
        `${r.period.label}: ${short(r.period.from)} → ${short(r.period.to)}, ${r.pages} pages\n\n${people}\n\n${schedules}`,
      );
    });
  oncall
    .command('ical-url')
    .description("print the iCalendar subscription URL of a schedule's (or --user's) feed")
    .option('--schedule <id>', 'schedule id')
    .option('--user <id>', "a user's feed across schedules")
    .option('--url <url>', 'vigil server URL (or VIGIL_URL)')
    .option('--json', 'print JSON', false)
    .action(async (o: Common & { schedule?: string; user?: string }) => {
      if (!o.user && !o.schedule) throw new VigilError('bad_request', 'give --schedule or --user');
      const path = o.user
        ? `/api/v1/users/${encodeURIComponent(o.user)}/ical-url`
        : `${sched(o.schedule ?? '')}/ical-url`;
      const r = (await api(targetFrom(o), 'GET', path)) as { url: string; webcal: string };
      if (o.json) return printJson(r);
      out(r.url);
    });
}
