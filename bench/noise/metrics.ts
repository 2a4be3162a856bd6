import type { Storm } from './generator.ts';
import type { ReplayResult } from './replay.ts';

/** The figures reported per storm and method. */
export interface NoiseFigures {
  storm: string;
  method: 'vigil' | 'alertmanager-baseline';
  alerts: number;
  pages: number;
  compression: number;
  precision: number;
  recall: number;
  missed_incidents: number;
  page_delay_p50_s: number;
  page_delay_p99_s: number;
}

const pairs = (n: number): number => (n * (n - 1)) / 2;

/** Nearest-rank percentile of `xs` (0 for an empty list). */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

/**
 * Scores a replay against the storm's ground truth.
 * - pairs are over alerts that belong to a true incident (transient noise is excluded); an alert
 *   the method never grouped is its own cluster. precision = pairs together in both / pairs the
 *   method put together; recall = pairs together in both / pairs truly together.
 * - an incident is paged when a page was caused by one of its alerts (vigil: the alert that opened
 *   the incident; baseline: any firing alert in the notification); delay = first page − first alert.
 */
export function score(storm: Storm, r: ReplayResult, method: NoiseFigures['method']): NoiseFigures {
  const truth = storm.alerts.filter((a) => a.incident !== null);
  const cell = new Map<string, number>();
  const pred = new Map<string, number>();
  const tru = new Map<string, number>();
  for (const a of truth) {
    const c = r.cluster.get(a.id) ?? `single:${a.id}`;
    const t = a.incident ?? '';
    cell.set(`${t}\u0000${c}`, (cell.get(`${t}\u0000${c}`) ?? 0) + 1);
    pred.set(c, (pred.get(c) ?? 0) + 1);
    tru.set(t, (tru.get(t) ?? 0) + 1);
  }
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((s, n) => s + pairs(n), 0);
  const tp = sum(cell);
  const predPairs = sum(pred);
  const truePairs = sum(tru);
  const incidentOf = new Map(storm.alerts.map((a) => [a.id, a.incident]));
  const firstPage = new Map<string, number>();
  for (const p of r.pages)
    for (const id of p.alerts) {
      const inc = incidentOf.get(id);
      if (inc && !firstPage.has(inc)) firstPage.set(inc, p.at);
    }
  const firstAlert = new Map<string, number>();
  for (const a of truth) if (!firstAlert.has(a.incident ?? '')) firstAlert.set(a.incident ?? '', a.startsAt);
  const delays = storm.incidents.flatMap((i) => {
    const p = firstPage.get(i);
    const f = firstAlert.get(i);
    return p !== undefined && f !== undefined ? [(p - f) / 1000] : [];
  });
  const alerts = storm.alerts.length;
  return {
    storm: storm.name,
    method,
    alerts,
    pages: r.pages.length,
    compression: alerts ? 1 - r.pages.length / alerts : 0,
    precision: predPairs ? tp / predPairs : 1,
    recall: truePairs ? tp / truePairs : 1,
    missed_incidents: storm.incidents.filter((i) => !firstPage.has(i)).length,
    page_delay_p50_s: percentile(delays, 50),
    page_delay_p99_s: percentile(delays, 99),
  };
}
