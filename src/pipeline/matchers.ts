import { VigilError } from '../shared/errors.ts';
import { compileAnchored, fullMatch } from './regex.ts';

/** A label set. A label that is absent is treated as the empty string, as in Alertmanager. */
export type LabelSet = Readonly<Record<string, string>>;

/** The four Alertmanager matcher operators. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One Alertmanager matcher, e.g. `severity=~"critical|page"`. Regex values are anchored RE2. */
export type Matcher = { name: string; op: MatchOp; value: string };

const OPS: readonly MatchOp[] = ['=~', '!~', '!=', '='];
const NAME_RE = /^[\p{L}\p{N}_:.\-/]+/u;

function fail(text: string, why: string): never {
  throw new VigilError('validation_failed', `bad matcher ${JSON.stringify(text)}: ${why}`, [
    { field: 'matchers', message: why },
  ]);
}

/** Reads a double-quoted string starting at `i` (which holds the quote); returns value and next index. */
function readQuoted(text: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '"') return [out, j + 1];
    if (c === '\\') {
      const n = text[j + 1];
      if (n === undefined) break;
      if (n === 'n') out += '\n';
      else if (n === 't') out += '\t';
      else if (n === '"' || n === '\\') out += n;
      // Go's strconv.Unquote rejects other escapes, but regexes like "\d" are common in configs;
      // Alertmanager's classic parser keeps the backslash, and so do we.
      else out += `\\${n}`;
      j += 2;
      continue;
    }
    out += c;
    j++;
  }
  return fail(text, 'unterminated quoted string');
}

function skipSpace(text: string, i: number): number {
  let j = i;
  while (j < text.length && /\s/.test(text[j] ?? '')) j++;
  return j;
}

/** Parses one matcher at `i`; returns it and the index just after it. */
function parseOne(text: string, i: number, braced: boolean): [Matcher, number] {
  let j = skipSpace(text, i);
  let name: string;
  if (text[j] === '"') {
    [name, j] = readQuoted(text, j);
  } else {
    const m = NAME_RE.exec(text.slice(j));
    if (!m) fail(text, `expected a label name at position ${j}`);
    name = m[0];
    j += name.length;
  }
  if (name === '') fail(text, 'empty label name');
  j = skipSpace(text, j);
  const op = OPS.find((o) => text.startsWith(o, j));
  if (!op) fail(text, `expected one of =, !=, =~, !~ after ${JSON.stringify(name)}`);
  j = skipSpace(text, j + op.length);
  let value: string;
  if (text[j] === '"') {
    [value, j] = readQuoted(text, j);
  } else {
    let k = j;
    while (k < text.length && text[k] !== ',' && !(braced && text[k] === '}')) k++;
    value = text.slice(j, k).trim();
    if (value.includes('"')) fail(text, `unquoted value ${JSON.stringify(value)} contains a quote`);
    j = k;
  }
  if (op === '=~' || op === '!~') compileAnchored(value);
  return [{ name, op, value }, j];
}

/**
 * Parses Alertmanager matcher text: `a="b"`, `a=b, c=~"d|e"` or the braced form `{a="b",c=~"d|e"}`.
 * Quoted values take `\"`, `\\`, `\n` escapes; regexes must be valid RE2. Throws
 * `VigilError('validation_failed')` naming the problem. The empty text (or `{}`) yields no matchers.
 */
export function parseMatchers(text: string): Matcher[] {
  let s = text.trim();
  let braced = false;
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) fail(text, 'missing closing "}"');
    s = s.slice(1, -1);
    braced = true;
  } else if (s.endsWith('}')) fail(text, 'missing opening "{"');
  const out: Matcher[] = [];
  let i = skipSpace(s, 0);
  if (i >= s.length) return out;
  for (;;) {
    const [m, next] = parseOne(s, i, braced);
    out.push(m);
    i = skipSpace(s, next);
    if (i >= s.length) break;
    if (s[i] !== ',') fail(text, `expected "," at position ${i}, found ${JSON.stringify(s[i])}`);
    i = skipSpace(s, i + 1);
    if (i >= s.length) break; // trailing comma is accepted, as in Alertmanager
  }
  return out;
}

/** Parses exactly one matcher (the form used in route `matchers:` lists and API `filter=` params). */
export function parseMatcher(text: string): Matcher {
  const ms = parseMatchers(text);
  if (ms.length !== 1 || !ms[0]) fail(text, `expected exactly one matcher, found ${ms.length}`);
  return ms[0];
}

/** True when `labels` satisfies `matcher`; a missing label is the empty string. */
export function matches(matcher: Matcher, labels: LabelSet): boolean {
  const v = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return fullMatch(matcher.value, v);
    case '!~':
      return !fullMatch(matcher.value, v);
  }
}

/** True when `labels` satisfies every matcher (an empty list matches everything). */
export function matchesAll(matchers: readonly Matcher[], labels: LabelSet): boolean {
  for (const m of matchers) if (!matches(m, labels)) return false;
  return true;
}

/** Renders a matcher the way Alertmanager prints it: `name="value"` with Go-style escaping. */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/** Renders a matcher list in the braced form `{a="b", c=~"d"}`. */
export function formatMatchers(ms: readonly Matcher[]): string {
  return `{${ms.map(formatMatcher).join(', ')}}`;
}
