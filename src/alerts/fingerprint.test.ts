import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareUtf8, fingerprint } from './fingerprint.ts';

interface Vector {
  labels: Record<string, string>;
  fingerprint: string;
}
const fixture = JSON.parse(
  fs.readFileSync(new URL('./testdata/alertmanager-fingerprints.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

/** Reference implementation with BigInt, straight from the FNV-1a definition. */
function referenceFingerprint(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let h = 0xcbf29ce484222325n;
  const mask = (1n << 64n) - 1n;
  const eat = (bytes: Iterable<number>): void => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & mask;
  };
  for (const n of names) {
    eat(Buffer.from(n));
    eat([0xff]);
    eat(Buffer.from(labels[n] ?? ''));
    eat([0xff]);
  }
  return h.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it.each(fixture.vectors)('matches Alertmanager for $fingerprint', (v) => {
    expect(fingerprint(v.labels)).toBe(v.fingerprint);
  });

  it('matches the documented example 6bda6ead5a648f66', () => {
    expect(
      fingerprint({
        alertname: 'GPUMemoryHigh',
        cluster: 'train-a',
        instance: 'gpu-7:9400',
        severity: 'warning',
      }),
    ).toBe('6bda6ead5a648f66');
  });

  it('does not depend on the order labels were given in', () => {
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
  });

  it('agrees with a BigInt FNV-1a reference on arbitrary unicode label sets', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1 }), fc.string({ unit: 'grapheme' })),
        (l) => {
          expect(fingerprint(l)).toBe(referenceFingerprint(l));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sorts by UTF-8 bytes, not UTF-16 units', () => {
    // U+FFFF is one UTF-16 unit above the surrogates, but its UTF-8 bytes sort below U+1F600's.
    expect(compareUtf8('\uffff', '\u{1F600}')).toBeLessThan(0);
    expect('\uffff' < '\u{1F600}').toBe(false);
  });
});
