/**
 * Benchmark: who is on call for 1,000 realistic schedules at one instant (budget: under 50 ms).
 * Schedules have 2–4 layers (weekly/daily/12h turns, business-hours and overnight restrictions),
 * config and runtime overrides, time off and a mix of zones with and without DST.
 *
 *   npx tsx bench/oncall.ts
 */
import type { Override, ScheduleDef } from '../src/oncall/model.ts';
import { normalizeSchedule } from '../src/oncall/normalize.ts';
import { ScheduleConfigSchema } from '../src/oncall/schema.ts';
import { whoIsOnCall } from '../src/oncall/who.ts';

const ZONES = [
  'America/Chicago',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'UTC',
];
const TURNS = ['1w', '1d', '12h', '3d'];

let seed = 42;
function rand(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
function pick<T>(list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

function makeSchedule(i: number): { def: ScheduleDef; overrides: Override[] } {
  const people = Array.from({ length: 4 + Math.floor(rand() * 6) }, (_, j) => `u${i}-${j}`);
  const layers = Array.from({ length: 2 + Math.floor(rand() * 3) }, (_, li) => ({
    name: `layer${li}`,
    rotation: {
      users: people.slice(li % 2, people.length),
      start: `2025-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-0${1 + Math.floor(rand() * 8)}T09:00`,
      turn: pick(TURNS),
    },
    ...(li === 0
      ? {}
      : {
          restrictions:
            rand() < 0.5
              ? [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '09:00', to: '17:00' }]
              : [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, from: '19:00', to: '07:00' }],
        }),
    ...(rand() < 0.3
      ? { changes: [{ effective_from: '2026-01-01T00:00', rotation: { users: people.slice(0, 3) } }] }
      : {}),
  }));
  const cfg = ScheduleConfigSchema.parse({
    id: `s${i}`,
    time_zone: pick(ZONES),
    layers,
    overrides: [{ user: people[0], replaces: people[1], start: '2026-03-10T00:00', end: '2026-03-11T00:00' }],
    time_off: [{ user: people[2], start: '2026-03-01T00:00', end: '2026-03-20T00:00' }],
  });
  const at = Date.UTC(2026, 2, 12, 12);
  const overrides: Override[] = [
    {
      id: `o${i}`,
      kind: 'take_over',
      user: people[3] ?? 'x',
      start: at - 7_200_000 + i * 60_000,
      end: at - 3_600_000 + i * 60_000,
    },
  ];
  return { def: normalizeSchedule(cfg), overrides };
}

const schedules = Array.from({ length: 1000 }, (_, i) => makeSchedule(i));
const at = Date.UTC(2026, 2, 12, 12, 0); // a Thursday, just after US DST started

function run(next: boolean): number {
  const t0 = performance.now();
  let n = 0;
  for (const s of schedules) n += whoIsOnCall(s.def, s.overrides, at, { next }).users.length;
  const ms = performance.now() - t0;
  if (n === 0) throw new Error('nobody on call anywhere: benchmark data is wrong');
  return ms;
}

const cold = run(false);
const warm: number[] = [];
for (let i = 0; i < 20; i++) warm.push(run(false));
warm.sort((a, b) => a - b);
const withNext: number[] = [];
for (let i = 0; i < 5; i++) withNext.push(run(true));
withNext.sort((a, b) => a - b);
const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? NaN;

console.log(`who-is-on-call, 1,000 schedules at one instant:`);
console.log(`  first run (cold zone caches): ${cold.toFixed(1)} ms`);
console.log(`  median of 20 runs:            ${median(warm).toFixed(1)} ms (best ${warm[0]?.toFixed(1)} ms)`);
console.log(`  with next-person look-up:     ${median(withNext).toFixed(1)} ms`);
console.log(`  budget 50 ms: ${median(warm) < 50 ? 'PASS' : 'FAIL'}`);
if (median(warm) >= 50) process.exitCode = 1;
