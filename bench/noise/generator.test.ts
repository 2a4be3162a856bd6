import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/shared/random.ts';
import { bigCascade, manySmall, pureFlapping } from './generator.ts';

describe('storm generator', () => {
  it('is deterministic for a seed', () => {
    expect(seededRandom(7)()).toBe(seededRandom(7)());
    expect(JSON.stringify(manySmall(5))).toBe(JSON.stringify(manySmall(5)));
    expect(JSON.stringify(bigCascade(1))).not.toBe(JSON.stringify(bigCascade(2)));
  });
  it('labels every cascade and flap alert with its true incident', () => {
    const s = pureFlapping();
    expect(new Set(s.alerts.map((a) => a.incident))).toEqual(new Set(s.incidents));
  });
});
