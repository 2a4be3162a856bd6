import { VigilError } from '../shared/errors.ts';
import type { Db } from '../store/db.ts';
import type { OncallCatalog } from './catalog.ts';
import { personMetrics, scheduleMetrics, type PersonMetrics, type ScheduleMetrics } from './metrics.ts';
import type { Shift } from './model.ts';
import { allRuntimeOverrides } from './override-store.ts';
import { pageEvents } from './page-log.ts';
import { shifts } from './resolve.ts';

/**
 * The on-call burden report (`GET /api/v1/oncall/report`): per person and per schedule metrics
 * over a period, from the projected shifts (config plus runtime overrides) and the page log.
 */

const DAY = 86_400_000;

/** A reporting period as an interval [from, to). */
export interface Period {
  label: string;
  from: number;
  to: number;
}

/** Reads `last_7_days`, `last_30_days`, `last_N_days` or `FROM..TO` (RFC 3339 instants or dates). */
export function parsePeriod(text: string, now: number): Period {
  const last = /^last_(\d{1,3})_days?$/.exec(text);
  if (last) {
    const days = Number(last[1]);
    if (days >= 1 && days <= 366) return { label: text, from: now - days * DAY, to: now };
  }
  const range = /^(.+)\.\.(.+)$/.exec(text);
  if (range) {
    const from = Date.parse(range[1] ?? '');
    const to = Date.parse(range[2] ?? '');
    if (!Number.isNaN(from) && !Number.isNaN(to) && to > from && to - from <= 366 * DAY)
      return { label: text, from, to };
  }
  throw new VigilError('validation_failed', 'bad period', [
    {
      field: 'query.period',
      message:
        'expected last_7_days, last_30_days, last_N_days (N ≤ 366) or FROM..TO (RFC 3339, at most 366 days)',
    },
  ]);
}

/** The report's body. */
export interface OncallReport {
  period: { label: string; from: string; to: string };
  people: PersonMetrics[];
  schedules: ScheduleMetrics[];
  pages: number;
}

/** Computes the report for every configured schedule and person. */
export async function buildReport(db: Db, catalog: OncallCatalog, period: Period): Promise<OncallReport> {
  const runtime = await allRuntimeOverrides(db);
  const all: Shift[] = [];
  for (const [id, def] of catalog.schedules)
    all.push(...shifts(def, runtime.get(id) ?? [], period.from, period.to));
  const pages = await pageEvents(db, period.from, period.to);
  const input = {
    shifts: all,
    pages,
    from: period.from,
    to: period.to,
    zoneOf: (u: string) => catalog.zoneOf(u),
  };
  const users = new Set<string>(catalog.people.keys());
  for (const s of all) for (const u of s.users) users.add(u);
  for (const p of pages) users.add(p.user);
  return {
    period: {
      label: period.label,
      from: new Date(period.from).toISOString(),
      to: new Date(period.to).toISOString(),
    },
    people: [...users].sort().map((u) => personMetrics(u, input)),
    schedules: [...catalog.schedules.keys()].map((id) => scheduleMetrics(id, catalog.members(id), input)),
    pages: pages.length,
  };
}
