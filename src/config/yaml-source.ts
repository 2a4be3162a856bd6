import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import type { FieldIssue } from '../shared/errors.ts';

/**
 * A parsed YAML file that remembers where each value came from, so validation errors can name
 * file, line and column instead of only a field path.
 */
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** The plain JS value of the document (undefined when the file is empty). */
  value: unknown;
  /** YAML syntax errors, already located. */
  syntaxIssues: FieldIssue[];
}

/** Parses YAML text, collecting every syntax error with its position (never throws). */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntaxIssues: FieldIssue[] = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.col,
      field: '',
      message: e.message.split('\n')[0] ?? e.message,
    };
  });
  const value = doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined;
  return { file, doc, lines, value, syntaxIssues };
}

/** Renders a path like `alerts[2].labels.team`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * Finds the line and column of the value at `path`, walking up to the nearest parent that exists
 * (a missing field is reported at the object that should have held it).
 */
export function locate(src: YamlSource, path: readonly PropertyKey[]): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = src.doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = src.lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

/** Builds a located issue for `path` in `src`. */
export function issueAt(src: YamlSource, path: readonly PropertyKey[], message: string): FieldIssue {
  return { file: src.file, ...locate(src, path), field: formatPath(path), message };
}

/** Locates the key (not the value) `key` of the mapping at `path`, for "unknown field" errors. */
function locateKey(
  src: YamlSource,
  path: readonly PropertyKey[],
  key: string,
): { line: number; column: number } | undefined {
  const node: unknown = src.doc.getIn(path as unknown[], true);
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
      const pos = src.lines.linePos(pair.key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

/**
 * Converts every zod issue into a located FieldIssue (all of them, not just the first). An
 * unknown key becomes one issue per key, placed on the key itself.
 */
export function zodIssues(
  src: YamlSource,
  error: z.ZodError,
  prefix: readonly PropertyKey[] = [],
): FieldIssue[] {
  return error.issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({
        file: src.file,
        ...(locateKey(src, path, k) ?? locate(src, path)),
        field: formatPath([...path, k]),
        message: `unknown field "${k}"; check the spelling against the documentation`,
      }));
    }
    return [issueAt(src, path, i.message)];
  });
}
