import { describe, expect, it } from 'vitest';
import { backupAt } from './backup.ts';
import type { Override } from './model.ts';
import { overlappingOverrides, validateOverride } from './override-rules.ts';
import { shifts } from './resolve.ts';
import { iso, scheduleFrom, t } from './test-helpers.ts';
import { whoIsOnCall } from './who.ts';

const weekly = (zone: string, start: string, extra: object = {}) =>
  scheduleFrom({
    id: 'ml-platform',
    time_zone: zone,
    layers: [{ name: 'primary', rotation: { users: ['alice', 'bob', 'charlie'], start, turn: '1w' } }],
    ...extra,
  });

describe('zones and calendars', () => {
  it('southern hemisphere: Sydney weekly handoff stays at 09:00 local across April fall-back', () => {
    const def = weekly('Australia/Sydney', '2026-03-30T09:00');
    const s = whoIsOnCall(def, [], t('2026-04-03T12:00Z')).shift;
    // 2026-04-05 03:00 AEDT → AEST. Turn Mon 30 Mar 09:00 AEDT (22:00Z) → Mon 6 Apr 09:00 AEST (23:00Z).
    expect([iso(s.start), iso(s.end)]).toEqual(['2026-03-29T22:00:00Z', '2026-04-05T23:00:00Z']);
    expect(s.end - s.start).toBe(169 * 3_600_000);
  });
  it('30-minute offset zone: Asia/Kolkata daily handoff at 09:00 IST = 03:30Z', () => {
    const def = scheduleFrom({
      id: 's',
      time_zone: 'Asia/Kolkata',
      layers: [{ name: 'l', rotation: { users: ['a', 'b'], start: '2026-01-01T09:00', turn: '1d' } }],
    });
    const list = shifts(def, [], t('2026-01-01T03:30Z'), t('2026-01-03T03:30Z'));
    expect(list.map((s) => `${s.users[0]} ${iso(s.start)}`)).toEqual([
      'a 2026-01-01T03:30:00Z',
      'b 2026-01-02T03:30:00Z',
    ]);
  });
  it('Adelaide (+10:30 DST, 30-minute zone) weekly handoff keeps 09:00 local', () => {
    const def = weekly('Australia/Adelaide', '2026-09-28T09:00');
    const s = whoIsOnCall(def, [], t('2026-10-05T12:00Z')).shift;
    expect(iso(s.start)).toBe('2026-10-04T22:30:00Z'); // Mon 5 Oct 09:00 ACDT (+10:30)
  });
  it('year boundary: a weekly turn spanning New Year', () => {
    const def = weekly('Europe/Berlin', '2026-12-28T09:00');
    const who = whoIsOnCall(def, [], t('2027-01-01T00:00Z'));
    expect(who.users).toEqual(['alice']);
    expect([iso(who.shift.start), iso(who.shift.end)]).toEqual([
      '2026-12-28T08:00:00Z',
      '2027-01-04T08:00:00Z',
    ]);
    expect(who.next?.users).toEqual(['bob']);
  });
  it('leap day: daily turns on 2028-02-28, 02-29, 03-01', () => {
    const def = scheduleFrom({
      id: 's',
      time_zone: 'UTC',
      layers: [{ name: 'l', rotation: { users: ['a', 'b', 'c'], start: '2028-02-28T00:00', turn: '1d' } }],
    });
    expect(whoIsOnCall(def, [], t('2028-02-29T12:00Z')).users).toEqual(['b']);
    expect(whoIsOnCall(def, [], t('2028-03-01T12:00Z')).users).toEqual(['c']);
    expect(whoIsOnCall(def, [], t('2028-03-02T12:00Z')).users).toEqual(['a']);
  });
  it('nobody is on call before the rotation starts', () => {
    const def = weekly('UTC', '2026-01-05T09:00');
    const w = whoIsOnCall(def, [], t('2026-01-05T08:59Z'));
    expect(w.users).toEqual([]);
    expect(w.next?.users).toEqual(['alice']);
    expect(iso(w.next?.start ?? 0)).toBe('2026-01-05T09:00:00Z');
  });
});

describe('time off', () => {
  const base = {
    id: 's',
    time_zone: 'UTC',
    layers: [
      {
        name: 'primary',
        rotation: { users: ['alice', 'bob', 'charlie'], start: '2026-01-05T09:00', turn: '1w' },
      },
    ],
  };
  it('hands the turn to the next available user in the rotation', () => {
    const def = scheduleFrom({
      ...base,
      time_off: [
        { user: 'alice', start: '2026-01-07T00:00', end: '2026-01-09T00:00' },
        { user: 'bob', start: '2026-01-01T00:00', end: '2026-01-08T00:00' },
      ],
    });
    const view = shifts(def, [], t('2026-01-05T09:00Z'), t('2026-01-12T09:00Z')).map(
      (s) => `${s.users.join('+')} ${s.reason} ${iso(s.start).slice(5, 13)}`,
    );
    expect(view).toEqual([
      'alice rotation 01-05T09',
      'charlie cover-for-vacation 01-07T00', // bob is away too
      'bob cover-for-vacation 01-08T00',
      'alice rotation 01-09T00',
    ]);
    expect(whoIsOnCall(def, [], t('2026-01-07T12:00Z')).shift.coveringFor).toEqual(['alice']);
  });
  it('a named cover takes the turn; holidays are whole local days', () => {
    const def = scheduleFrom({
      ...base,
      time_zone: 'America/New_York',
      time_off: [{ user: 'alice', start: '2026-01-06T00:00', end: '2026-01-07T00:00', cover: 'dave' }],
      holidays: [{ name: 'Local day', date: '2026-01-08', users: ['alice'] }],
    });
    expect(whoIsOnCall(def, [], t('2026-01-06T12:00Z')).users).toEqual(['dave']);
    const h = whoIsOnCall(def, [], t('2026-01-08T12:00Z')).shift;
    expect(h.users).toEqual(['bob']);
    expect([iso(h.start), iso(h.end)]).toEqual(['2026-01-08T05:00:00Z', '2026-01-09T05:00:00Z']);
  });
});

describe('effective-dated changes', () => {
  it('applies a new member list from effective_from without rewriting the past', () => {
    const def = scheduleFrom({
      id: 's',
      time_zone: 'UTC',
      layers: [
        {
          name: 'primary',
          rotation: { users: ['alice', 'bob'], start: '2026-01-05T09:00', turn: '1w' },
          changes: [{ effective_from: '2026-01-19T09:00', rotation: { users: ['carol', 'dan', 'erin'] } }],
        },
      ],
    });
    const view = shifts(def, [], t('2026-01-05T09:00Z'), t('2026-02-02T09:00Z')).map((s) => s.users.join());
    // turn indexes keep counting from the anchor: turn 2 → carol? index 2 mod 3 = erin
    expect(view).toEqual(['alice', 'bob', 'erin', 'carol']);
    expect(whoIsOnCall(def, [], t('2026-01-10T00:00Z')).users).toEqual(['alice']);
  });
  it('a change with a new start re-anchors; restrictions can change too', () => {
    const def = scheduleFrom({
      id: 's',
      time_zone: 'UTC',
      layers: [
        {
          name: 'primary',
          rotation: { users: ['alice', 'bob'], start: '2026-01-05T09:00', turn: '1w' },
          changes: [
            {
              effective_from: '2026-01-12T09:00',
              rotation: { start: '2026-01-12T09:00', users: ['carol'], turn: '1d' },
              restrictions: [{ from: '09:00', to: '17:00' }],
            },
          ],
        },
      ],
    });
    expect(whoIsOnCall(def, [], t('2026-01-12T10:00Z')).users).toEqual(['carol']);
    expect(whoIsOnCall(def, [], t('2026-01-12T18:00Z')).users).toEqual([]);
    expect(whoIsOnCall(def, [], t('2026-01-11T18:00Z')).users).toEqual(['alice']);
  });
});

describe('seed shape', () => {
  const seed = {
    id: 'ml-platform',
    time_zone: 'America/Chicago',
    rotation: [
      { engineer: 'alice', start: 'Mon 09:00', duration: '1 week' },
      { engineer: 'bob', start: 'Mon 09:00', duration: '1 week' },
    ],
    manager: 'carol',
  };
  it('maps onto a weekly layer anchored on the first Monday 09:00 from 2026-01-05', () => {
    const def = scheduleFrom(seed);
    expect(def.manager).toBe('carol');
    const w = whoIsOnCall(def, [], t('2026-01-13T12:00Z'));
    expect(w.users).toEqual(['bob']);
    expect(iso(w.shift.start)).toBe('2026-01-12T15:00:00Z');
  });
  it('backup defaults to the next person in the rotation, or a backup rotation', () => {
    expect(backupAt(scheduleFrom(seed), [], t('2026-01-06T12:00Z'))).toMatchObject({
      users: ['bob'],
      why: 'next-in-rotation',
    });
    const withBackup = scheduleFrom({
      ...seed,
      backup: [{ engineer: 'zed', start: 'Mon 09:00', duration: '1 week' }],
    });
    expect(backupAt(withBackup, [], t('2026-01-06T12:00Z'))).toMatchObject({
      users: ['zed'],
      why: 'backup-layer',
    });
    expect(whoIsOnCall(withBackup, [], t('2026-01-06T12:00Z')).users).toEqual(['alice']);
  });
});

describe('runtime overrides', () => {
  const def = weekly('UTC', '2026-01-05T09:00');
  const o = (id: string, user: string, start: string, end: string, replaces?: string): Override => ({
    id,
    kind: replaces ? 'replace' : 'take_over',
    user,
    ...(replaces ? { replaces } : {}),
    start: t(start),
    end: t(end),
  });
  it('applies a take-over and a replace', () => {
    const list = [o('1', 'dave', '2026-01-06T00:00Z', '2026-01-07T00:00Z')];
    expect(whoIsOnCall(def, list, t('2026-01-06T12:00Z')).users).toEqual(['dave']);
    expect(whoIsOnCall(def, list, t('2026-01-06T12:00Z')).shift.reason).toBe('override');
    const r = [o('2', 'erin', '2026-01-06T00:00Z', '2026-01-07T00:00Z', 'bob')];
    expect(whoIsOnCall(def, r, t('2026-01-06T12:00Z')).users).toEqual(['alice']); // bob is not on call
  });
  it('rejects overlapping overrides for the same user, accepts touching ones', () => {
    const a = o('a', 'dave', '2026-01-06T00:00Z', '2026-01-07T00:00Z');
    const b = o('b', 'dave', '2026-01-06T12:00Z', '2026-01-08T00:00Z');
    const c = o('c', 'dave', '2026-01-07T00:00Z', '2026-01-08T00:00Z');
    expect(overlappingOverrides([a, b, c])).toEqual([
      { a: 0, b: 1, user: 'dave' },
      { a: 1, b: 2, user: 'dave' },
    ]);
    expect(validateOverride(def, b, { existing: [a] }).map((i) => i.field)).toEqual(['start']);
    expect(validateOverride(def, c, { existing: [a] })).toEqual([]);
    const bad: Override = {
      id: 'x',
      kind: 'replace',
      user: 'zz',
      start: t('2026-01-02T00:00Z'),
      end: t('2026-01-01T00:00Z'),
    };
    expect(
      validateOverride(def, bad, { existing: [], users: new Set(['alice']) }).map((i) => i.field),
    ).toEqual(['end', 'replaces', 'user']);
  });
});
