import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLabelSet } from './group-key.ts';
import { goQuote } from './routing.ts';

/** Go's `%q` as the plain character loop, without the fast path for strings with nothing to escape. */
function referenceQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `model.LabelSet.String()` with names sorted by comparing their UTF-8 bytes, one buffer pair at a time. */
function referenceLabelSet(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${names.map((n) => `${n}=${referenceQuote(labels[n] ?? '')}`).join(', ')}}`;
}

describe('label set rendering (group keys)', () => {
  it('quotes as Go does, with or without characters to escape', () => {
    expect(goQuote('fraud-detector')).toBe('"fraud-detector"');
    expect(goQuote('a"b\\c\nd\te\rf\u0001g\u007fh é \u{1F600}')).toBe(
      '"a\\"b\\\\c\\nd\\te\\rf\\x01g\\x7fh é \u{1F600}"',
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(goQuote(s)).toBe(referenceQuote(s));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts names by UTF-8 bytes and renders every value as the reference does', () => {
    // U+FFFF sorts after U+1F600 in UTF-16 units, before it in UTF-8 bytes.
    expect(formatLabelSet({ '\u{1F600}': '1', '\uffff': '2', a: '3' })).toBe(
      '{a="3", \uffff="2", \u{1F600}="1"}',
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', minLength: 1 }), fc.string({ unit: 'binary' })),
        (labels) => {
          expect(formatLabelSet(labels)).toBe(referenceLabelSet(labels));
        },
      ),
      { numRuns: 300 },
    );
  });
});
