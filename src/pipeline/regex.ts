import { RE2JS } from 're2js';
import { VigilError } from '../shared/errors.ts';

/**
 * RE2 regular expressions, anchored like Alertmanager's (`^(?:re)$`). RE2 keeps matching linear
 * in the input, and rejects Perl-only syntax (lookarounds, backreferences) exactly as Go does, so a
 * config Alertmanager rejects is rejected here too.
 */
const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 10_000;

/** Compiles `pattern` as an anchored RE2 regex; throws `validation_failed` naming the problem. */
export function compileAnchored(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(`^(?:${pattern})$`);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new VigilError(
      'validation_failed',
      `invalid RE2 regular expression ${JSON.stringify(pattern)}: ${why}`,
    );
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** The RE2 syntax error for `pattern`, or undefined when it is a valid RE2 regex. */
export function regexError(pattern: string): string | undefined {
  try {
    compileAnchored(pattern);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** True when `input` matches the whole of `pattern` (anchored RE2). */
export function fullMatch(pattern: string, input: string): boolean {
  return compileAnchored(pattern).matches(input);
}
