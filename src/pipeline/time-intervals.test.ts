import { describe, expect, it } from 'vitest';
import {
  inTimeIntervalSpec,
  isRouteMuted,
  timeIntervalsSchema,
  type TimeIntervalSpec,
} from './time-intervals.ts';

const at = (iso: string) => Date.parse(iso);

describe('time intervals', () => {
  it.each<[string, TimeIntervalSpec, string, boolean]>([
    [
      'office hours in',
      { times: [{ start_time: '09:00', end_time: '17:00' }], weekdays: ['monday:friday'] },
      '2026-01-05T09:00:00Z',
      true,
    ],
    ['end exclusive', { times: [{ start_time: '09:00', end_time: '17:00' }] }, '2026-01-05T17:00:00Z', false],
    ['weekend', { weekdays: ['saturday', 'sunday'] }, '2026-01-04T12:00:00Z', true],
    ['weekday range excludes sunday', { weekdays: ['monday:friday'] }, '2026-01-04T12:00:00Z', false],
    ['last day of month', { days_of_month: ['-1'] }, '2026-02-28T12:00:00Z', true],
    ['last day of leap Feb', { days_of_month: ['-1'] }, '2028-02-29T03:00:00Z', true],
    ['not last day', { days_of_month: ['-1'] }, '2028-02-28T03:00:00Z', false],
    ['last three days', { days_of_month: ['-3:-1'] }, '2026-01-29T00:00:00Z', true],
    ['first week', { days_of_month: ['1:7'] }, '2026-01-08T00:00:00Z', false],
    ['months by name and number', { months: ['january:march', '12'] }, '2026-12-01T00:00:00Z', true],
    ['years', { years: ['2025:2026'] }, '2027-01-01T00:00:00Z', false],
    [
      'location shifts the day',
      { weekdays: ['monday'], location: 'Asia/Tokyo' },
      '2026-01-04T16:00:00Z',
      true,
    ],
    [
      'location shifts the hour',
      { times: [{ start_time: '09:00', end_time: '10:00' }], location: 'America/New_York' },
      '2026-07-01T13:30:00Z',
      true,
    ],
    ['empty spec is always', {}, '2026-07-01T13:30:00Z', true],
    ['24:00 end', { times: [{ start_time: '22:00', end_time: '24:00' }] }, '2026-07-01T23:59:00Z', true],
  ])('%s', (_n, spec, iso, want) => {
    expect(inTimeIntervalSpec(spec, at(iso))).toBe(want);
  });

  it('validates specs', () => {
    const bad = (spec: unknown) =>
      !timeIntervalsSchema.safeParse([{ name: 'x', time_intervals: [spec] }]).success;
    expect(bad({ days_of_month: ['-3:5'] })).toBe(true);
    expect(bad({ days_of_month: ['0'] })).toBe(true);
    expect(bad({ weekdays: ['funday'] })).toBe(true);
    expect(bad({ months: ['13'] })).toBe(true);
    expect(bad({ times: [{ start_time: '17:00', end_time: '09:00' }] })).toBe(true);
    expect(bad({ location: 'Mars/Base' })).toBe(true);
    expect(bad({ weekdays: ['monday:friday'], location: 'Europe/Berlin' })).toBe(false);
  });

  it('mute and active intervals on a route', () => {
    const intervals = new Map([
      ['weekends', { name: 'weekends', time_intervals: [{ weekdays: ['saturday', 'sunday'] }] }],
    ]);
    const sunday = at('2026-01-04T12:00:00Z');
    const monday = at('2026-01-05T12:00:00Z');
    expect(
      isRouteMuted({ muteTimeIntervals: ['weekends'], activeTimeIntervals: [] }, intervals, sunday),
    ).toBe(true);
    expect(
      isRouteMuted({ muteTimeIntervals: ['weekends'], activeTimeIntervals: [] }, intervals, monday),
    ).toBe(false);
    expect(
      isRouteMuted({ muteTimeIntervals: [], activeTimeIntervals: ['weekends'] }, intervals, monday),
    ).toBe(true);
  });
});
