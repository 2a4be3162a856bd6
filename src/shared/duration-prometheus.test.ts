import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDuration, isDuration, parseDuration, toIsoDuration } from './duration.ts';

describe('prometheus durations', () => {
  it('parses compound durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('0')).toBe(0);
  });
  it('rejects malformed durations', () => {
    for (const bad of ['', '10', '5 m', '30m1h', '1h1h', '1.5h', 'm', '10M'])
      expect(isDuration(bad)).toBe(false);
  });
  it('round-trips through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
  it('converts to ISO-8601', () => {
    expect(toIsoDuration(300_000)).toBe('PT5M');
    expect(toIsoDuration(3_600_000)).toBe('PT1H');
    expect(toIsoDuration(86_400_000)).toBe('P1D');
    expect(toIsoDuration(5_400_000)).toBe('PT1H30M');
  });
});
