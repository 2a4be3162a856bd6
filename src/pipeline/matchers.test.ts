import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VigilError } from '../shared/errors.ts';
import { formatMatchers, matches, matchesAll, parseMatcher, parseMatchers } from './matchers.ts';

describe('parseMatchers', () => {
  it.each([
    ['a="b"', [{ name: 'a', op: '=', value: 'b' }]],
    ['a=b', [{ name: 'a', op: '=', value: 'b' }]],
    [
      '{a="b",c=~"d|e"}',
      [
        { name: 'a', op: '=', value: 'b' },
        { name: 'c', op: '=~', value: 'd|e' },
      ],
    ],
    [
      '{ a != "b" , c !~ "x.*" }',
      [
        { name: 'a', op: '!=', value: 'b' },
        { name: 'c', op: '!~', value: 'x.*' },
      ],
    ],
    ['a="say \\"hi\\"\\n"', [{ name: 'a', op: '=', value: 'say "hi"\n' }]],
    ['a="x,y}"', [{ name: 'a', op: '=', value: 'x,y}' }]],
    ['instance=~"gpu-\\d+:9400"', [{ name: 'instance', op: '=~', value: 'gpu-\\d+:9400' }]],
    ['{}', []],
    ['', []],
    ['a="b",', [{ name: 'a', op: '=', value: 'b' }]],
    ['"service.name"="api"', [{ name: 'service.name', op: '=', value: 'api' }]],
    ['a=""', [{ name: 'a', op: '=', value: '' }]],
  ])('parses %s', (text, want) => {
    expect(parseMatchers(text)).toEqual(want);
  });

  it.each([
    ['a', 'expected one of'],
    ['=b', 'label name'],
    ['a="b', 'unterminated'],
    ['{a="b"', 'closing'],
    ['a="b"}', 'opening'],
    ['a="b" c="d"', 'expected ","'],
    ['a=~"(?=x)"', 'RE2'],
    ['a=~"(x)\\1"', 'RE2'],
    ['a=~"["', 'RE2'],
    ['a=b"c', 'quote'],
  ])('rejects %s', (text, why) => {
    let err: unknown;
    try {
      parseMatchers(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VigilError);
    expect((err as VigilError).code).toBe('validation_failed');
    expect((err as VigilError).message).toContain(why);
  });

  it('parseMatcher requires exactly one', () => {
    expect(parseMatcher('x=~"y"')).toEqual({ name: 'x', op: '=~', value: 'y' });
    expect(() => parseMatcher('a=b,c=d')).toThrow(VigilError);
  });

  it('round-trips through formatMatchers', () => {
    const label = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: label, op: fc.constantFrom('=', '!=' as const), value: fc.string() })),
        (ms) => {
          expect(parseMatchers(formatMatchers(ms))).toEqual(ms);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('matches', () => {
  const labels = { alertname: 'GPUMemoryHigh', cluster: 'train-a', severity: 'warning' };
  it.each([
    ['alertname="GPUMemoryHigh"', true],
    ['alertname="GPUMemory"', false],
    ['alertname=~"GPU.*"', true],
    ['alertname=~"Memory"', false], // anchored
    ['alertname=~"GPU|CPU"', false], // anchored around the whole alternation
    ['severity!="critical"', true],
    ['severity!~"warn.*"', false],
    ['team=""', true], // missing label == empty
    ['team!=""', false],
    ['team=~".*"', true],
    ['team=~".+"', false],
    ['team!~"ml"', true],
  ])('%s → %s', (text, want) => {
    expect(matches(parseMatcher(text), labels)).toBe(want);
  });

  it('matchesAll is a conjunction and empty matches everything', () => {
    expect(matchesAll([], labels)).toBe(true);
    expect(matchesAll(parseMatchers('{cluster="train-a",severity=~"warning|critical"}'), labels)).toBe(true);
    expect(matchesAll(parseMatchers('{cluster="train-a",severity="critical"}'), labels)).toBe(false);
  });
});
