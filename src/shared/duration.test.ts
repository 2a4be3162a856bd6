import { describe, expect, it } from 'vitest';
import { formatDuration, parseByteSize, parseDuration } from './duration.ts';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1w', 604_800_000],
    ['0', 0],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '5 m', '-1m', 'm5', '1.5h'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats compactly', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
  });

  it('parses byte sizes', () => {
    expect(parseByteSize('5MiB')).toBe(5 * 1024 * 1024);
    expect(parseByteSize('10kb')).toBe(10_000);
    expect(parseByteSize(1024)).toBe(1024);
    expect(parseByteSize('lots')).toBeUndefined();
  });
});
