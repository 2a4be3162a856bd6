import { describe, expect, it } from 'vitest';
import { mapSeverity, maxSeverity } from './severity.ts';

describe('severity mapping', () => {
  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['P1', 'critical'],
    ['error', 'high'],
    ['warning', 'medium'],
    ['WARN', 'medium'],
    ['info', 'low'],
    ['none', 'low'],
    [undefined, 'medium'],
    ['', 'medium'],
    ['something-new', 'high'],
  ])('maps %s to %s', (label, expected) => {
    expect(mapSeverity(label)).toBe(expected);
  });

  it('picks the more severe of two', () => {
    expect(maxSeverity('low', 'critical')).toBe('critical');
    expect(maxSeverity('high', 'medium')).toBe('high');
  });
});
