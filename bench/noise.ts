/**
 * The noise benchmark: replays deterministic alert storms through vigil's pipeline and through
 * Alertmanager-style grouping, and compares compression, grouping quality, missed incidents and
 * page delay. Usage: `npm run bench:noise [-- --json FILE]`.
 */
import { writeFileSync } from 'node:fs';
import { alertmanagerSetup, vigilSetup } from './noise/config.ts';
import { storms } from './noise/generator.ts';
import { score, type NoiseFigures } from './noise/metrics.ts';
import { replay } from './noise/replay.ts';

const rows: NoiseFigures[] = [];
for (const storm of storms()) {
  rows.push(score(storm, replay(storm, vigilSetup(storm.services), 'vigil'), 'vigil'));
  rows.push(score(storm, replay(storm, alertmanagerSetup(), 'alertmanager'), 'alertmanager-baseline'));
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const header = [
  'storm',
  'method',
  'alerts',
  'pages',
  'compression',
  'precision',
  'recall',
  'missed',
  'delay p50',
  'delay p99',
];
const lines = rows.map((r) => [
  r.storm,
  r.method,
  String(r.alerts),
  String(r.pages),
  pct(r.compression),
  r.precision.toFixed(3),
  r.recall.toFixed(3),
  String(r.missed_incidents),
  `${r.page_delay_p50_s.toFixed(0)}s`,
  `${r.page_delay_p99_s.toFixed(0)}s`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(fmt(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines) console.log(fmt(l));

let failed = false;
for (const r of rows.filter((x) => x.method === 'vigil')) {
  const ok = r.compression >= 0.75 && r.missed_incidents === 0 && r.precision >= 0.95 && r.recall >= 0.9;
  if (!ok) {
    failed = true;
    console.log(`target missed on ${r.storm}`);
  }
}
const jsonAt = process.argv.indexOf('--json');
const file = jsonAt >= 0 ? process.argv[jsonAt + 1] : undefined;
if (file) writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
if (failed) process.exitCode = 1;
