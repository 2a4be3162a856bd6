import { describe, expect, it } from 'vitest';
import { VigilError } from '../shared/errors.ts';
import { isInMaintenance, maintenanceWindowsSchema } from './maintenance.ts';
import {
  expireSilence,
  resolvedToNotifyOnEnd,
  silencedBy,
  silenceState,
  silencesToExpireOnResolve,
  upsertSilence,
  validateSilence,
  type Silence,
} from './silences.ts';

const T = Date.parse('2026-01-05T09:00:00Z');
const H = 3_600_000;
const base: Silence = {
  id: 's1',
  matchers: [{ name: 'instance', value: 'gpu-8:9400', isRegex: false, isEqual: true }],
  startsAt: T,
  endsAt: T + 2 * H,
  createdBy: 'oncall@example.com',
  comment: 'driver upgrade',
};

describe('silences', () => {
  it('state at an instant', () => {
    expect(silenceState(base, T - 1)).toBe('pending');
    expect(silenceState(base, T)).toBe('active');
    expect(silenceState(base, T + 2 * H)).toBe('expired');
  });

  it.each<[string, Partial<Silence>, string]>([
    ['no matchers', { matchers: [] }, 'matchers'],
    ['matches empty', { matchers: [{ name: 'a', value: '.*', isRegex: true }] }, 'matchers'],
    [
      'matches empty (!=)',
      { matchers: [{ name: 'a', value: 'x', isRegex: false, isEqual: false }] },
      'matchers',
    ],
    ['bad regex', { matchers: [{ name: 'a', value: '(?=x)', isRegex: true }] }, 'matchers[0].value'],
    ['end before start', { endsAt: T }, 'endsAt'],
    ['no creator', { createdBy: '' }, 'createdBy'],
  ])('rejects %s', (_n, patch, field) => {
    expect(validateSilence({ ...base, ...patch }).map((i) => i.field)).toContain(field);
  });

  it('accepts one non-empty matcher among empty-matching ones', () => {
    expect(
      validateSilence({ ...base, matchers: [...base.matchers, { name: 'x', value: '.*', isRegex: true }] }),
    ).toEqual([]);
  });

  it('silencedBy returns active matching silences', () => {
    const other: Silence = {
      ...base,
      id: 's0',
      matchers: [{ name: 'alertname', value: 'GPU.*', isRegex: true }],
    };
    const future: Silence = { ...base, id: 's2', startsAt: T + H };
    const labels = { alertname: 'GPUMemoryHigh', instance: 'gpu-8:9400' };
    expect(silencedBy(labels, [base, other, future], T + 1)).toEqual(['s0', 's1']);
    expect(silencedBy({ alertname: 'X' }, [base, other], T + 1)).toEqual([]);
  });

  it('updates in place when matchers are unchanged, else expires and creates', () => {
    const now = T + H;
    const u = upsertSilence(base, { ...base, endsAt: T + 3 * H }, now, 'new');
    expect(u).toMatchObject({ created: false, silence: { id: 's1', endsAt: T + 3 * H } });
    const r = upsertSilence(
      base,
      { ...base, matchers: [{ name: 'instance', value: 'gpu-9', isRegex: false }] },
      now,
      'new',
    );
    expect(r.created).toBe(true);
    expect(r.silence.id).toBe('new');
    expect(r.silence.startsAt).toBe(now); // past start clamped to now
    expect(r.expired).toMatchObject({ id: 's1', endsAt: now });
    // changing startsAt of an active silence is not allowed in place either
    expect(upsertSilence(base, { ...base, startsAt: T + 1 }, now, 'n2').expired?.id).toBe('s1');
    expect(() => upsertSilence(undefined, { ...base, matchers: [] }, now, 'x')).toThrow(VigilError);
  });

  it('expiring a pending silence sets both ends to now', () => {
    expect(expireSilence(base, T - 10)).toMatchObject({ startsAt: T - 10, endsAt: T - 10 });
    expect(() => expireSilence(base, T + 3 * H)).toThrow(VigilError);
  });

  it('expire_on_resolve ends the silence once all its alerts resolved', () => {
    const s = { ...base, expireOnResolve: true };
    const labels = { instance: 'gpu-8:9400' };
    expect(silencesToExpireOnResolve([s], [], T + 10)).toEqual([]); // matched nothing yet
    expect(silencesToExpireOnResolve([s], [{ fingerprint: 'a', labels, startsAt: T }], T + 10)).toEqual([]);
    expect(
      silencesToExpireOnResolve([s], [{ fingerprint: 'a', labels, startsAt: T, endsAt: T + 5 }], T + 10),
    ).toEqual(['s1']);
    // an alert that resolved before the silence began does not count
    expect(
      silencesToExpireOnResolve([s], [{ fingerprint: 'a', labels, startsAt: T - 9, endsAt: T - 5 }], T + 10),
    ).toEqual([]);
  });

  it('notify_resolved_on_end returns alerts resolved while silenced', () => {
    const s = { ...base, notifyResolvedOnEnd: true };
    const alerts = [
      {
        fingerprint: 'a',
        labels: { instance: 'gpu-8:9400' },
        startsAt: T - H,
        endsAt: T + H,
        notifiedFiring: true,
      },
      {
        fingerprint: 'b',
        labels: { instance: 'gpu-8:9400' },
        startsAt: T - H,
        endsAt: T + H,
        notifiedFiring: false,
      },
      { fingerprint: 'c', labels: { instance: 'gpu-8:9400' }, startsAt: T - H, notifiedFiring: true },
    ];
    expect(resolvedToNotifyOnEnd(s, alerts, T + H)).toEqual([]); // still active
    expect(resolvedToNotifyOnEnd(s, alerts, T + 2 * H)).toEqual(['a']);
  });
});

describe('maintenance windows', () => {
  const windows = maintenanceWindowsSchema.parse([
    {
      name: 'db-upgrade',
      services: ['db'],
      starts_at: '2026-01-05T08:00:00Z',
      ends_at: '2026-01-05T10:00:00Z',
    },
    {
      name: 'nightly',
      services: ['batch'],
      time_intervals: [{ times: [{ start_time: '02:00', end_time: '04:00' }] }],
    },
  ]);
  it('is in maintenance at an instant', () => {
    expect(isInMaintenance('db', windows, T)).toBe(true);
    expect(isInMaintenance('db', windows, T + H)).toBe(false);
    expect(isInMaintenance('batch', windows, Date.parse('2026-01-06T03:00:00Z'))).toBe(true);
    expect(isInMaintenance('batch', windows, T)).toBe(false);
  });
  it('rejects windows that end before they start or have no time', () => {
    expect(maintenanceWindowsSchema.safeParse([{ name: 'x', services: ['a'] }]).success).toBe(false);
    expect(
      maintenanceWindowsSchema.safeParse([
        { name: 'x', services: ['a'], starts_at: '2026-01-02T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' },
      ]).success,
    ).toBe(false);
  });
});
