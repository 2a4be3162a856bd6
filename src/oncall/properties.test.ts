import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Override } from './model.ts';
import { shifts } from './resolve.ts';
import { scheduleFrom } from './test-helpers.ts';
import { whoIsOnCall } from './who.ts';

const ZONES = [
  'UTC',
  'America/Chicago',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
];
const TURNS = ['1h', '12h', '1d', '3d', '1w'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const BASE = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

const clock = fc.integer({ min: 0, max: 95 }).map((q) => {
  const m = q * 15;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
});
const restriction = fc
  .record({ days: fc.subarray([...DAYS], { minLength: 1 }), from: clock, to: clock })
  .filter((r) => r.from !== r.to);
const localStamp = fc.integer({ min: 0, max: 60 * 24 * 4 }).map((q) => {
  const d = new Date(BASE - 10 * DAY + q * 15 * 60_000);
  return d.toISOString().slice(0, 16);
});
const layer = fc.record({
  name: fc.constantFrom('a', 'b', 'c'),
  rotation: fc.record({
    users: fc.subarray(['u1', 'u2', 'u3', 'u4'], { minLength: 1 }),
    start: localStamp,
    turn: fc.constantFrom(...TURNS),
  }),
  restrictions: fc.array(restriction, { maxLength: 2 }),
});
const schedule = fc.record({
  id: fc.constant('s'),
  time_zone: fc.constantFrom(...ZONES),
  layers: fc.array(layer, { minLength: 1, maxLength: 3 }),
  time_off: fc.array(
    fc
      .record({ user: fc.constantFrom('u1', 'u2'), start: localStamp, end: localStamp })
      .filter((x) => x.start < x.end),
    { maxLength: 2 },
  ),
});
const override = fc
  .record({
    kind: fc.constantFrom('replace', 'take_over', 'add', 'remove') as fc.Arbitrary<Override['kind']>,
    user: fc.constantFrom('o1', 'o2'),
    replaces: fc.constantFrom('u1', 'u2'),
    start: fc.integer({ min: 0, max: 20 * 24 }),
    hours: fc.integer({ min: 1, max: 48 }),
  })
  .map((o, i = 0): Override => ({
    id: `o${i}`,
    kind: o.kind,
    ...(o.kind === 'remove' ? {} : { user: o.user }),
    ...(o.kind === 'replace' || o.kind === 'remove' ? { replaces: o.replaces } : {}),
    start: BASE + o.start * 3_600_000,
    end: BASE + (o.start + o.hours) * 3_600_000,
  }));

describe('schedule properties', () => {
  it('shifts tile the range without overlap or gaps, and never repeat users', () => {
    fc.assert(
      fc.property(
        schedule,
        fc.array(override, { maxLength: 3 }),
        fc.integer({ min: 1, max: 30 * 24 }),
        (cfg, ov, h) => {
          const def = scheduleFrom(cfg);
          const from = BASE;
          const to = BASE + h * 3_600_000;
          const list = shifts(def, ov, from, to);
          expect(list[0]?.start).toBe(from);
          expect(list[list.length - 1]?.end).toBe(to);
          list.forEach((s, i) => {
            expect(s.end).toBeGreaterThan(s.start);
            if (i > 0) expect(s.start).toBe(list[i - 1]?.end);
            expect(new Set(s.users).size).toBe(s.users.length);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('who(t) agrees with the shift covering t', () => {
    fc.assert(
      fc.property(
        schedule,
        fc.array(override, { maxLength: 3 }),
        fc.integer({ min: 0, max: 14 * 24 * 60 }),
        (cfg, ov, m) => {
          const def = scheduleFrom(cfg);
          const at = BASE + m * 60_000;
          const wide = shifts(def, ov, at - 30 * DAY, at + 30 * DAY);
          const covering = wide.find((s) => s.start <= at && at < s.end);
          const who = whoIsOnCall(def, ov, at, { next: false });
          expect(who.users).toEqual(covering?.users);
          if (who.users.length > 0) {
            expect([who.shift.start, who.shift.end]).toEqual([covering?.start, covering?.end]);
            expect(who.shift.reason).toBe(covering?.reason);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('who(t) in a gap covered by back-to-back overrides reports the whole shift (found by the property above)', () => {
    const def = scheduleFrom({
      id: 's',
      time_zone: 'UTC',
      layers: [
        {
          name: 'a',
          rotation: { users: ['u4'], start: '2025-12-22T00:00', turn: '1h' },
          restrictions: [{ days: ['mon'], from: '00:00', to: '00:15' }],
        },
      ],
      time_off: [],
    });
    const at = Date.UTC(2026, 0, 12, 0, 15); // Monday 00:15, where the layer's window ends
    // As fast-check generated them: one id, two back-to-back intervals of the same person.
    const ov: Override[] = [
      { id: 'o0', kind: 'add', user: 'o1', start: Date.UTC(2026, 0, 12, 1), end: Date.UTC(2026, 0, 13, 1) },
      { id: 'o0', kind: 'add', user: 'o1', start: Date.UTC(2026, 0, 11, 14), end: Date.UTC(2026, 0, 12, 1) },
    ];
    const covering = shifts(def, ov, at - 30 * DAY, at + 30 * DAY).find((s) => s.start <= at && at < s.end);
    const who = whoIsOnCall(def, ov, at, { next: false });
    expect(who.users).toEqual(['o1']);
    expect([who.shift.start, who.shift.end]).toEqual([covering?.start, covering?.end]);
    expect(who.shift.end).toBe(Date.UTC(2026, 0, 13, 1));
  });
});
