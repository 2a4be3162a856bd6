import { describe, expect, it } from 'vitest';
import { parseTime } from './normalize.ts';

describe('parseTime', () => {
  it('reads RFC 3339 times, the same text twice in a row as well as once', () => {
    const inputs: Array<[unknown, number | undefined | 'invalid']> = [
      ['2026-11-29T10:00:00Z', Date.UTC(2026, 10, 29, 10)],
      ['2026-11-29T10:00:00Z', Date.UTC(2026, 10, 29, 10)],
      ['2026-11-29T11:00:00.250+01:00', Date.UTC(2026, 10, 29, 10, 0, 0, 250)],
      ['not a time', 'invalid'],
      ['not a time', 'invalid'],
      ['2026-13-45T10:00:00Z', 'invalid'],
      ['2026-11-29T10:00:00Z', Date.UTC(2026, 10, 29, 10)],
      ['0001-01-01T00:00:00Z', undefined],
      ['0001-01-01T00:00:00Z', undefined],
      ['', undefined],
      [null, undefined],
      [undefined, undefined],
      [1764410400000, 'invalid'],
      ['2026-11-29 10:00:00z', Date.UTC(2026, 10, 29, 10)],
    ];
    expect(inputs.map(([v]) => parseTime(v))).toEqual(inputs.map(([, want]) => want));
  });
});
