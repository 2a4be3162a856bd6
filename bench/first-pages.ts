/**
 * What one first page costs vigil: the flush of a new group, the send of its first notification
 * and the record of the outcome, in milliseconds of the event loop and of CPU.
 *
 *   npm run bench:first-pages -- [--groups 500] [--rounds 15] [--warm 5] [--json FILE]
 *
 * `bench:ingest` measures the first notification of 500 new groups end to end, but on a shared
 * 2-core host its p99 varies by 2× between runs of the same code, more than most changes gain.
 * This benchmark measures the work instead of the time: vigil runs in this process on SQLite (with
 * its store thread, as `vigil serve` does) and a FakeClock; each round posts one alert to each of
 * `--groups` new groups, moves the clock past group_wait, runs the due flushes and one outbox pass,
 * and reads how long the event loop was busy (`performance.eventLoopUtilization`) and the CPU the
 * process used (all its threads) until every page is sent and recorded. The webhook receiver runs
 * in a child process, so its work is not counted. The first `--warm` rounds are not reported.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createTestApp, testConfigText } from '../src/server/testing.ts';
import { openStore } from '../src/store/store.ts';
import { arg } from './args.ts';
import { postAlerts } from './in-process.ts';

const groups = Number(arg('groups', '500'));
const rounds = Number(arg('rounds', '15'));
const warm = Number(arg('warm', '5'));
const jsonFile = arg('json', '');

/** A receiver in its own process: answers every POST with 200 and prints how many it has had. */
const RECEIVER = `
const http = require('node:http');
let n = 0, queued = false;
const srv = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    n++;
    if (!queued) { queued = true; setImmediate(() => { queued = false; process.stdout.write(n + '\\n'); }); }
  });
});
srv.keepAliveTimeout = 60000;
srv.listen(0, '127.0.0.1', () => process.stdout.write('port ' + srv.address().port + '\\n'));
`;

async function startReceiver(): Promise<{
  url: string;
  reached: (n: number) => Promise<void>;
  stop: () => void;
}> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  let waiting: { n: number; resolve: () => void } | undefined;
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve) => {
    lines.on('line', (line) => {
      if (line.startsWith('port ')) return resolve(Number(line.slice(5)));
      count = Number(line);
      if (waiting && count >= waiting.n) waiting.resolve();
    });
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    reached: (n) =>
      count >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { n, resolve })),
    stop: () => child.kill(),
  };
}

interface Round {
  /** Event-loop busy time from the clock's move to the last record, per page (µs). */
  loopUsPerPage: number;
  /** CPU of every thread of this process over the same span, per page (µs). */
  cpuUsPerPage: number;
  /** Wall time of the span (ms). */
  wallMs: number;
  /** Of that, the flushes (the due jobs' pass): wall time and event-loop busy time (ms). */
  flushMs: number;
  flushLoopMs: number;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-first-pages-'));
  const receiver = await startReceiver();
  const store = await openStore({ dataDir: dir });
  const configText = testConfigText(
    [
      'channels:',
      `  - { id: hook, type: webhook, url: "${receiver.url}", format: alertmanager }`,
      'route:',
      '  receiver: team',
      '  group_by: [alertname, service]',
      '  group_wait: 100ms',
      '  group_interval: 1s',
      '  channels: [hook]',
      '',
    ].join('\n'),
  );
  const t = await createTestApp(store, { configText, full: {} });
  const runner = t.runner;
  if (!runner) throw new Error('the test app has no outbox runner');
  const results: Round[] = [];
  let sent = 0;
  process.stderr.write(
    `bench:first-pages: ${groups} new groups a round, ${rounds} rounds (${warm} not reported)\n`,
  );
  for (let r = 0; r < rounds + warm; r++) {
    const alerts = Array.from({ length: groups }, (_, g) => ({
      labels: { alertname: `Round${r}`, service: `svc-${g}`, instance: `host-${g}` },
      endsAt: new Date(t.clock.now() + 3_600_000).toISOString(),
    }));
    await postAlerts(t, alerts);
    t.clock.advance(150);
    const elu = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await t.worker.runDue();
    const flushMs = performance.now() - start;
    const flushLoopMs = performance.eventLoopUtilization(elu).active;
    const pass = await runner.runOnce();
    await receiver.reached(sent + groups);
    const wallMs = performance.now() - start;
    const busy = performance.eventLoopUtilization(elu).active;
    const used = process.cpuUsage(cpu);
    sent += groups;
    if (pass.delivered !== groups) throw new Error(`round ${r}: ${pass.delivered} of ${groups} delivered`);
    const round = {
      loopUsPerPage: (busy * 1000) / groups,
      cpuUsPerPage: (used.user + used.system) / groups,
      wallMs,
      flushMs,
      flushLoopMs,
    };
    if (r >= warm) results.push(round);
    process.stderr.write(
      `  round ${r + 1}${r < warm ? ' (warm-up)' : ''}: ${round.loopUsPerPage.toFixed(0)} µs of event loop and ${round.cpuUsPerPage.toFixed(0)} µs of CPU a page, ${wallMs.toFixed(0)} ms for ${groups} (flushes ${flushMs.toFixed(0)} ms, ${flushLoopMs.toFixed(0)} ms of it on the event loop)\n`,
    );
    // The groups' next ticks are not part of the measure: let them pass before the next round.
    t.clock.advance(2_000);
    await t.worker.runDue();
    await runner.runOnce();
  }
  await t.close();
  await store.close();
  receiver.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? NaN;
  };
  const out = {
    groups,
    rounds,
    loop_us_per_page: Math.round(median(results.map((x) => x.loopUsPerPage))),
    cpu_us_per_page: Math.round(median(results.map((x) => x.cpuUsPerPage))),
    wall_ms: Math.round(median(results.map((x) => x.wallMs))),
    flush_ms: Math.round(median(results.map((x) => x.flushMs))),
    flush_loop_ms: Math.round(median(results.map((x) => x.flushLoopMs))),
  };
  console.log('| figure (median of the rounds) | value |');
  console.log('|---|---|');
  console.log(`| event loop busy per first page (µs) | ${out.loop_us_per_page} |`);
  console.log(`| CPU per first page, all threads (µs) | ${out.cpu_us_per_page} |`);
  console.log(`| wall time for ${groups} first pages (ms) | ${out.wall_ms} |`);
  console.log(`| of which the flushes (ms) | ${out.flush_ms} |`);
  console.log(`| event loop busy in the flushes (ms) | ${out.flush_loop_ms} |`);
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
}

await main();
