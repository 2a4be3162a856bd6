/**
 * `npm run bench:ingest`: vigil against Alertmanager in the same run, on the same machine, with the
 * same load — Alertmanager API v2 batches of 64 over 8 keep-alive connections across 500 groups,
 * group_wait 100 ms, group_interval 1 s, a webhook receiver on loopback — reporting alerts/s,
 * accept → first notification latency, RSS per active alert and CPU seconds, and the ratios.
 *
 *   npm run bench:ingest -- [--total 100000] [--groups 500] [--batch 64] [--connections 8]
 *                           [--json FILE] [--no-alertmanager] [--cpu-prof DIR]
 *                           [--rate ALERTS_PER_S]   (paced load instead of as fast as possible)
 *                           [--group-wait 100ms] [--group-interval 1s]
 *                           [--settle 20s]  (the server idles this long before memory is read, before and after the load)
 *                           [--database postgres://…]  (an empty PostgreSQL database instead of SQLite)
 *                           [--page-first-hold 300ms]  (vigil's server.ingest_queue.page_first_hold; 0 turns it off)
 *                           [--inhibit]  (both servers with Alertmanager's example inhibit rule: critical mutes warning)
 *                           [--rounds N]  (N rounds of both servers, in alternating order; the medians are reported)
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseDuration } from '../src/shared/duration.ts';
import { runLoad, type LoadResult } from './ingest/load.ts';
import { FirstSeenReceiver } from './ingest/receiver.ts';
import { warmBenchmark } from './ingest/sink.ts';
import { arg } from './args.ts';
import {
  fmt,
  ratioOf,
  roundLine,
  roundsTable,
  summarise,
  type Figures,
  type Round,
} from './ingest/report.ts';
import {
  cpuSeconds,
  DEFAULT_TIMERS,
  rssBytes,
  startAlertmanager,
  startVigil,
  type ServerUnderTest,
} from './ingest/servers.ts';

const total = Number(arg('total', '100000'));
const groups = Number(arg('groups', '500'));
const batch = Number(arg('batch', '64'));
const connections = Number(arg('connections', '8'));
const jsonFile = arg('json');
const cpuProf = arg('cpu-prof');
const rate = arg('rate') === undefined ? undefined : Number(arg('rate'));
const timers = {
  groupWait: arg('group-wait', DEFAULT_TIMERS.groupWait) as string,
  groupInterval: arg('group-interval', DEFAULT_TIMERS.groupInterval) as string,
};
const databaseUrl = arg('database');
const pageFirstHold = arg('page-first-hold');
const inhibit = process.argv.includes('--inhibit');
const settleMs = parseDuration(arg('settle', '20s') as string) ?? 0;
const rounds = Math.max(1, Math.floor(Number(arg('rounds', '1'))) || 1);
const withAm = !process.argv.includes('--no-alertmanager') && hasAlertmanager();

function hasAlertmanager(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v prometheus-alertmanager'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Waits `--settle` with the server idle (memory is read at rest before and after the load). */
async function settle(): Promise<void> {
  if (settleMs <= 0) return;
  process.stderr.write(`    idle ${settleMs / 1000} s before reading memory…\n`);
  await new Promise((r) => setTimeout(r, settleMs));
}

/** Times a fixed CPU-bound loop (the median of three), to tell a slow moment of the host from a slow server. */
function hostLoop(): number {
  const times: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    let x = 0;
    for (let i = 0; i < 50_000_000; i++) x = (x + i * 7) % 1_000_003;
    if (x < 0) process.stderr.write(''); // keeps the loop from being optimised away
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[1] ?? Number.NaN;
}

async function measure(server: ServerUnderTest, receiver: FirstSeenReceiver): Promise<Figures> {
  // Warm up (JIT, connections, first group creation) with a small separate run, then measure.
  await runLoad(
    `${server.url}/api/v2/alerts`,
    { total: 2000, batch, connections, groups, drainMs: 5000 },
    receiver,
    server.headers,
    'warm',
  );
  await receiver.reset();
  // The baseline is read at rest too, so that the warm-up's garbage is not counted as room.
  await settle();
  const hostLoopMs = hostLoop();
  const rssBefore = rssBytes(server.pid);
  const cpuBefore = cpuSeconds(server.pid);
  const r: LoadResult = await runLoad(
    `${server.url}/api/v2/alerts`,
    { total, batch, connections, groups, drainMs: 20_000, rate },
    receiver,
    server.headers,
    'run',
  );
  const rssEnd = rssBytes(server.pid);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  // BENCH_HEAP=1: print vigil's heap figures after the run (what RSS growth is made of).
  if (process.env['BENCH_HEAP'] && server.name === 'vigil') {
    const m = await (await fetch(`${server.url}/metrics`)).text();
    process.stderr.write(
      `${m
        .split('\n')
        .filter((l) => /heap_size|external_memory|heap_space_size_used/.test(l) && !l.startsWith('#'))
        .join('\n')}\n`,
    );
  }
  // Memory growth is read twice: right after the load, when it still holds the burst's garbage (a
  // garbage-collected heap or Go runtime returns memory some seconds after the allocation stops),
  // and once the server has been idle for as long as before the load, when what it holds is what
  // it needs for the alerts it keeps. Both servers get the same waits.
  await settle();
  const rssRest = rssBytes(server.pid);
  const perAlert = (rss: number): number => Math.max(0, rss - rssBefore) / Math.max(1, r.accepted);
  return {
    alerts_per_s: r.alertsPerS,
    notify_p50_ms: r.notifyP50Ms,
    notify_p99_ms: r.notifyP99Ms,
    notify_max_ms: r.notifyMaxMs,
    first_of_group_p50_ms: r.firstOfGroupP50Ms,
    first_of_group_p99_ms: r.firstOfGroupP99Ms,
    rss_bytes_per_alert: perAlert(rssRest),
    rss_bytes: rssRest,
    rss_bytes_per_alert_at_end: perAlert(rssEnd),
    rss_bytes_at_end: rssEnd,
    cpu_seconds: cpu,
    host_loop_ms: hostLoopMs,
    accepted: r.accepted,
    rejected: r.rejected,
    notified: r.notified,
    webhook_calls: r.webhookCalls,
  };
}

/** Starts a fresh vigil, measures it and stops it. */
async function runVigil(receiver: FirstSeenReceiver): Promise<Figures> {
  await receiver.reset();
  const vigil = await startVigil(receiver.port, {
    extraArgs: cpuProf ? [`--cpu-prof`, `--cpu-prof-dir=${cpuProf}`] : [],
    timers,
    databaseUrl,
    pageFirstHold,
    inhibit,
  });
  process.stderr.write('  running vigil…\n');
  try {
    return await measure(vigil, receiver);
  } finally {
    await vigil.stop();
  }
}

/** Starts a fresh Alertmanager, measures it and stops it. */
async function runAlertmanager(receiver: FirstSeenReceiver): Promise<Figures> {
  await receiver.reset();
  const server = await startAlertmanager(receiver.port, timers, inhibit);
  process.stderr.write('  running Alertmanager…\n');
  try {
    return await measure(server, receiver);
  } finally {
    await server.stop();
  }
}

/**
 * One round: both servers back to back, in the given order (rounds alternate it, so that neither
 * always runs on a bench process that the other has warmed).
 */
async function runRound(receiver: FirstSeenReceiver, vigilFirst: boolean): Promise<Round> {
  if (!withAm) return { vigil: await runVigil(receiver) };
  let vigil: Figures;
  let am: Figures;
  if (vigilFirst) {
    vigil = await runVigil(receiver);
    am = await runAlertmanager(receiver);
  } else {
    am = await runAlertmanager(receiver);
    vigil = await runVigil(receiver);
  }
  return { vigil, alertmanager: am, ratio: ratioOf(vigil, am) };
}

async function main(): Promise<void> {
  const receiver = await new FirstSeenReceiver().start();
  process.stderr.write(
    `bench:ingest: ${total} alerts, batches of ${batch}, ${connections} connections, ${groups} groups${rate ? `, paced at ${rate} alerts/s` : ''}${databaseUrl ? ', vigil on PostgreSQL' : ''}${inhibit ? ', with an inhibit rule' : ''}${rounds > 1 ? `, ${rounds} rounds` : ''}\n`,
  );
  if (!withAm)
    process.stderr.write(
      process.argv.includes('--no-alertmanager')
        ? '  --no-alertmanager: vigil only\n'
        : '  prometheus-alertmanager not installed (apt-get install prometheus-alertmanager): vigil only\n',
    );
  const done: Round[] = [];
  try {
    process.stderr.write('  warming the benchmark itself (a sink on loopback)…\n');
    await warmBenchmark(receiver, { batch, connections, groups });
    for (let i = 0; i < rounds; i++) {
      if (rounds > 1) process.stderr.write(`  round ${i + 1} of ${rounds}\n`);
      const round = await runRound(receiver, i % 2 === 0);
      done.push(round);
      if (rounds > 1) {
        process.stderr.write(`    ${roundLine('vigil', round.vigil)}\n`);
        if (round.alertmanager)
          process.stderr.write(`    ${roundLine('Alertmanager', round.alertmanager)}\n`);
      }
    }
  } finally {
    await receiver.stop();
  }
  const { vigil: v, alertmanager: am, ratio = {} } = summarise(done);

  const rows: Array<[string, keyof Figures, number, boolean]> = [
    ['alerts/s accepted', 'alerts_per_s', 0, true],
    ['notify p50 (ms)', 'notify_p50_ms', 0, false],
    ['notify p99 (ms)', 'notify_p99_ms', 0, false],
    ['notify max (ms)', 'notify_max_ms', 0, false],
    ['first alert of a group: notify p50 (ms)', 'first_of_group_p50_ms', 0, false],
    ['first alert of a group: notify p99 (ms)', 'first_of_group_p99_ms', 0, false],
    [
      `RSS per active alert, idle ${settleMs / 1000} s after the load (bytes)`,
      'rss_bytes_per_alert',
      0,
      false,
    ],
    ['RSS growth per alert, right after the load (bytes)', 'rss_bytes_per_alert_at_end', 0, false],
    ['CPU seconds', 'cpu_seconds', 2, false],
    ['host speed: a fixed loop before the load (ms, lower is faster)', 'host_loop_ms', 0, false],
    ['alerts notified', 'notified', 0, true],
    ['webhook calls', 'webhook_calls', 0, true],
  ];
  const lines = [
    rounds > 1
      ? `| figure (median of ${rounds} rounds) | vigil | Alertmanager | vigil / Alertmanager (median of the rounds' ratios) |`
      : `| figure | vigil | Alertmanager | vigil / Alertmanager |`,
    `|---|---|---|---|`,
  ];
  for (const [label, k, d] of rows) {
    const r = am ? (ratio[k] ?? Number.NaN) : Number.NaN;
    lines.push(`| ${label} | ${fmt(v[k], d)} | ${am ? fmt(am[k], d) : '—'} | ${am ? fmt(r, 2) : '—'} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (rounds > 1) process.stdout.write(`\n${roundsTable(done)}\n`);
  const latencyBudget = (parseDuration(timers.groupWait) ?? 0) + 100;
  const allNotified = done.every((r) => r.vigil.notified === r.vigil.accepted);
  const budgets = [
    rate
      ? `ingest ratio: not judged under a paced load (--rate ${rate}): both servers take what is offered`
      : am
        ? `ingest ≥ 1.5× Alertmanager: ${fmt(ratio['alerts_per_s'] ?? Number.NaN, 2)}× ${(ratio['alerts_per_s'] ?? 0) >= 1.5 ? 'PASS' : 'FAIL'}`
        : 'ingest ratio: no Alertmanager',
    `notify p99 ≤ group_wait + 100 ms (${latencyBudget} ms): ${fmt(v.notify_p99_ms)} ms ${v.notify_p99_ms <= latencyBudget ? 'PASS' : 'FAIL'}${am ? ` (Alertmanager: ${fmt(am.notify_p99_ms)} ms; later alerts of a group wait for its group_interval tick)` : ''}`,
    `first alert of a group, notify p99 ≤ group_wait + 100 ms: ${fmt(v.first_of_group_p99_ms)} ms ${v.first_of_group_p99_ms <= latencyBudget ? 'PASS' : 'FAIL'}${am ? ` (Alertmanager: ${fmt(am.first_of_group_p99_ms)} ms)` : ''}`,
    `RSS < 1 KB per active alert (idle ${settleMs / 1000} s after the load): ${fmt(v.rss_bytes_per_alert)} B ${v.rss_bytes_per_alert < 1024 ? 'PASS' : 'FAIL'} (right after the load: ${fmt(v.rss_bytes_per_alert_at_end)} B${am ? `; Alertmanager: ${fmt(am.rss_bytes_per_alert)} B, ${fmt(am.rss_bytes_per_alert_at_end)} B` : ''})`,
    rounds > 1
      ? `every accepted alert notified, in every round: ${done.map((r) => `${r.vigil.notified}/${r.vigil.accepted}`).join(', ')} ${allNotified ? 'PASS' : 'FAIL'}`
      : `every accepted alert notified: ${v.notified}/${v.accepted} ${allNotified ? 'PASS' : 'FAIL'}`,
  ];
  process.stdout.write(`\n${budgets.join('\n')}\n`);
  if (jsonFile) {
    const out = {
      total,
      groups,
      batch,
      connections,
      rounds,
      ...v,
      ...(am ? { alertmanager: am, ratio } : {}),
      ...(rounds > 1 ? { each_round: done } : {}),
    };
    fs.writeFileSync(jsonFile, `${JSON.stringify(out, null, 2)}\n`);
  }
}

await main();
