import { describe, expect, it } from 'vitest';
import { affectedUsers, handoffs, shiftChanges } from './handoffs.ts';
import { gini, interruptionCategory, scheduleMetrics } from './metrics.ts';
import type { Override } from './model.ts';
import { shifts } from './resolve.ts';
import { iso, scheduleFrom, t } from './test-helpers.ts';

const def = scheduleFrom({
  id: 's',
  time_zone: 'UTC',
  layers: [
    { name: 'p', rotation: { users: ['alice', 'bob', 'carol'], start: '2026-01-05T09:00', turn: '1d' } },
  ],
});

describe('handoffs', () => {
  it('lists changes of who is on call with the notice time', () => {
    const h = handoffs(def, [], t('2026-01-05T09:00Z'), t('2026-01-07T10:00Z'), 15 * 60_000);
    expect(h.map((x) => `${x.outgoing}>${x.incoming}@${iso(x.at)} notice ${iso(x.noticeAt)}`)).toEqual([
      '>alice@2026-01-05T09:00:00Z notice 2026-01-05T08:45:00Z',
      'alice>bob@2026-01-06T09:00:00Z notice 2026-01-06T08:45:00Z',
      'bob>carol@2026-01-07T09:00:00Z notice 2026-01-07T08:45:00Z',
    ]);
  });
  it('tells which users’ upcoming shifts moved after an override', () => {
    const from = t('2026-01-05T09:00Z');
    const to = t('2026-01-08T09:00Z');
    const o: Override = {
      id: 'o',
      kind: 'replace',
      user: 'dave',
      replaces: 'bob',
      start: t('2026-01-06T09:00Z'),
      end: t('2026-01-06T21:00Z'),
    };
    const changes = shiftChanges(shifts(def, [], from, to), shifts(def, [o], from, to));
    expect(affectedUsers(changes)).toEqual(['bob', 'dave']);
    expect(
      changes.map((c) => `${c.user} ${c.kind} ${iso(c.start).slice(8, 13)}-${iso(c.end).slice(8, 13)}`),
    ).toEqual(['bob removed 06T09-07T09', 'dave added 06T09-06T21', 'bob added 06T21-07T09']);
  });
});

describe('metrics', () => {
  it('classifies interruptions in the person’s own zone', () => {
    expect(interruptionCategory(t('2026-01-05T15:00Z'), 'America/Chicago')).toBe('business'); // Mon 09:00
    expect(interruptionCategory(t('2026-01-06T01:00Z'), 'America/Chicago')).toBe('offHours'); // Mon 19:00
    expect(interruptionCategory(t('2026-01-06T05:00Z'), 'America/Chicago')).toBe('sleep'); // Mon 23:00
    expect(interruptionCategory(t('2026-01-10T15:00Z'), 'America/Chicago')).toBe('offHours'); // Sat 09:00
    expect(interruptionCategory(t('2026-01-05T15:00Z'), 'Asia/Tokyo')).toBe('sleep'); // Tue 00:00
  });
  it('computes hours, pages and fairness per schedule', () => {
    const from = t('2026-01-05T09:00Z');
    const to = t('2026-01-08T09:00Z');
    const m = scheduleMetrics('s', ['alice', 'bob', 'carol', 'dan'], {
      shifts: shifts(def, [], from, to),
      pages: [
        { user: 'alice', at: t('2026-01-05T12:00Z') },
        { user: 'alice', at: t('2026-01-05T23:00Z') },
        { user: 'bob', at: t('2026-01-06T19:00Z') },
      ],
      from,
      to,
    });
    expect(m.perUser.map((p) => [p.user, p.hoursOnCall, p.pages])).toEqual([
      ['alice', 24, 2],
      ['bob', 24, 1],
      ['carol', 24, 0],
      ['dan', 0, 0],
    ]);
    expect(m.perUser[0]?.interruptions).toEqual({ business: 1, offHours: 0, sleep: 1 });
    expect(m.hoursCovered).toBe(72);
    expect(m.fairness.hoursGini).toBeCloseTo(0.25);
    expect(m.fairness.hoursMaxMinRatio).toBeNull();
    expect(gini([1, 1, 1])).toBe(0);
    expect(gini([0, 0, 3])).toBeCloseTo(2 / 3);
  });
});
