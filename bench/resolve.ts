/**
 * What resolving a storm's incidents costs vigil: `n` groups of one firing alert each (one
 * incident each), then every alert resolved in one request, timed from the post to its apply.
 *
 *   npm run bench:resolve -- [--sizes 250,1000,4000] [--escalation] [--json FILE]
 *
 * `--escalation` gives the route a default escalation policy of two levels (to a webhook channel
 * that is never sent to here), so each incident also opens and ends an escalation. The time to
 * open the incidents (the first request) is reported too.
 *
 * When an outage ends, its alerts resolve within seconds of each other and vigil auto-resolves
 * their incidents in the same apply, which holds the store while it runs: until session 22 that
 * was about seven statements per incident, one of them a scan of every unfinished job, so the
 * cost per incident grew with the storm (docs/performance.md). vigil runs in this process on
 * SQLite with its store thread, as `vigil serve` does, with a FakeClock; each size gets a fresh
 * data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestApp, testConfigText } from '../src/server/testing.ts';
import { openStore } from '../src/store/store.ts';
import { arg } from './args.ts';
import { postAlerts } from './in-process.ts';

const sizes = (arg('sizes', '250,1000,4000') as string).split(',').map(Number);
const jsonFile = arg('json', '');
const withEscalation = process.argv.includes('--escalation');

interface Row {
  incidents: number;
  /** Opening them (the request of their first alerts), and resolving them. */
  open_ms: number;
  ms: number;
  us_per_incident: number;
}

async function measure(n: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-resolve-'));
  const store = await openStore({ dataDir: dir });
  const configText = testConfigText(
    [
      ...(withEscalation
        ? [
            'channels:',
            '  - { id: hook, type: webhook, url: "http://127.0.0.1:9/never", format: alertmanager }',
            'escalation_policies:',
            '  - id: default',
            '    levels:',
            '      - { after_minutes: 0, notify: [channel:hook] }',
            '      - { after_minutes: 15, notify: [channel:hook] }',
          ]
        : []),
      'route:',
      '  receiver: team',
      '  group_by: [alertname, service]',
      '  group_wait: 30s',
      '',
    ].join('\n'),
  );
  const t = await createTestApp(store, { configText, full: {} });
  try {
    const post = (endsAt: number): Promise<void> =>
      postAlerts(
        t,
        Array.from({ length: n }, (_, g) => ({
          labels: { alertname: 'StormCleared', service: `service-${g}`, instance: `instance-${g}` },
          endsAt: new Date(endsAt).toISOString(),
        })),
      );
    const opening = performance.now();
    await post(t.clock.now() + 3_600_000);
    const openMs = performance.now() - opening;
    t.clock.advance(1000);
    const start = performance.now();
    await post(t.clock.now() - 1);
    const ms = performance.now() - start;
    const open = await store.db
      .selectFrom('incidents')
      .select('id')
      .where('status', '!=', 'resolved')
      .execute();
    if (open.length > 0) throw new Error(`${open.length} of ${n} incidents were not resolved`);
    return {
      incidents: n,
      open_ms: Math.round(openMs),
      ms: Math.round(ms),
      us_per_incident: Math.round((ms * 1000) / n),
    };
  } finally {
    await t.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stderr.write(
    `bench:resolve: ${sizes.join(', ')} incidents opened, then resolved in one request${withEscalation ? ', each with an escalation' : ''}\n`,
  );
  const rows: Row[] = [];
  for (const n of sizes) {
    const row = await measure(n);
    process.stderr.write(`  ${n} incidents: opened in ${row.open_ms} ms, resolved in ${row.ms} ms\n`);
    rows.push(row);
  }
  console.log(
    '| incidents | opening them (ms) | resolving them at once (ms) | resolving, per incident (µs) |',
  );
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.incidents} | ${r.open_ms} | ${r.ms} | ${r.us_per_incident} |`);
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(rows, null, 2)}\n`);
}

await main();
