/**
 * What `bench:ingest` reports: one server's figures for one run, and how several rounds are
 * summed up. The host is shared and its speed drifts within minutes, so with `--rounds N` each
 * round runs both servers back to back, and the summary is the median of each figure and the
 * median of the rounds' own ratios (each of two figures measured a minute apart, not across the
 * whole run).
 */

/** One server's figures for one run of the load. */
export interface Figures {
  alerts_per_s: number;
  notify_p50_ms: number;
  notify_p99_ms: number;
  notify_max_ms: number;
  first_of_group_p50_ms: number;
  first_of_group_p99_ms: number;
  /** RSS growth per accepted alert once the server has been idle for `--settle` (the budget figure). */
  rss_bytes_per_alert: number;
  rss_bytes: number;
  /** RSS growth per accepted alert right after the last notification (the burst's garbage included). */
  rss_bytes_per_alert_at_end: number;
  rss_bytes_at_end: number;
  cpu_seconds: number;
  /**
   * How long a fixed CPU-bound loop took in the bench process just before the load (ms): the
   * host's speed at that moment, for comparing runs on a shared machine (lower is faster).
   */
  host_loop_ms: number;
  accepted: number;
  rejected: number;
  notified: number;
  webhook_calls: number;
}

/** One round: vigil's figures, Alertmanager's when it ran, and their ratios. */
export interface Round {
  vigil: Figures;
  alertmanager?: Figures;
  /** vigil / Alertmanager, figure by figure (present with Alertmanager). */
  ratio?: Partial<Record<keyof Figures, number>>;
}

/** The median of some numbers (the mean of the middle two for an even count; NaN for none). */
export function median(values: readonly number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Each figure's ratio vigil / Alertmanager. */
export function ratioOf(v: Figures, am: Figures): Partial<Record<keyof Figures, number>> {
  const out: Partial<Record<keyof Figures, number>> = {};
  for (const k of Object.keys(v) as Array<keyof Figures>) out[k] = v[k] / am[k];
  return out;
}

/** The median of each figure over the rounds. */
export function medianFigures(all: readonly Figures[]): Figures {
  const first = all[0];
  if (!first) throw new Error('no rounds to sum up');
  const out = { ...first };
  for (const k of Object.keys(first) as Array<keyof Figures>) out[k] = median(all.map((f) => f[k]));
  return out;
}

/** The rounds summed up: medians per server, and the median of the rounds' own ratios. */
export interface Summary {
  vigil: Figures;
  alertmanager?: Figures;
  ratio?: Partial<Record<keyof Figures, number>>;
}

/** Sums the rounds up (see the module comment). */
export function summarise(rounds: readonly Round[]): Summary {
  const vigil = medianFigures(rounds.map((r) => r.vigil));
  const withAm = rounds.filter((r): r is Required<Round> => r.alertmanager !== undefined);
  if (withAm.length === 0) return { vigil };
  const ratio: Partial<Record<keyof Figures, number>> = {};
  for (const k of Object.keys(vigil) as Array<keyof Figures>)
    ratio[k] = median(withAm.map((r) => r.ratio[k] ?? Number.NaN));
  return { vigil, alertmanager: medianFigures(withAm.map((r) => r.alertmanager)), ratio };
}

/** A figure with `d` decimals, or `n/a` when it was not measured. */
export const fmt = (n: number | undefined, d = 0): string =>
  n !== undefined && Number.isFinite(n) ? n.toFixed(d) : 'n/a';

/** One line per round, for the table of rounds (the figures that move most between rounds). */
export function roundsTable(rounds: readonly Round[]): string {
  const lines = [
    '| round | vigil alerts/s | Alertmanager alerts/s | ratio | first alert of a group p99, vigil / Alertmanager (ms) | every alert p99, vigil / Alertmanager (ms) | host loop before vigil runs (ms) |',
    '|---|---|---|---|---|---|---|',
  ];
  rounds.forEach((r, i) => {
    const am = r.alertmanager;
    lines.push(
      `| ${i + 1} | ${fmt(r.vigil.alerts_per_s)} | ${fmt(am?.alerts_per_s)} | ${fmt(r.ratio?.alerts_per_s, 2)} | ${fmt(r.vigil.first_of_group_p99_ms)} / ${fmt(am?.first_of_group_p99_ms)} | ${fmt(r.vigil.notify_p99_ms)} / ${fmt(am?.notify_p99_ms)} | ${fmt(r.vigil.host_loop_ms)} |`,
    );
  });
  return lines.join('\n');
}

/** One round in a line, as progress while the benchmark runs. */
export function roundLine(server: string, f: Figures): string {
  return `${server}: ${fmt(f.alerts_per_s)} alerts/s, first alert of a group p99 ${fmt(f.first_of_group_p99_ms)} ms, every alert p99 ${fmt(f.notify_p99_ms)} ms, ${f.notified}/${f.accepted} notified`;
}
