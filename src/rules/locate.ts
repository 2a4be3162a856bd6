/**
 * Maps a character offset inside a YAML string value (a PromQL query, an annotation template) to
 * a line and column of the file, for plain, quoted and block (`|`, `>`) scalars.
 */
import { isScalar } from 'yaml';
import { issueAt, type YamlSource } from '../config/yaml-source.ts';
import type { FieldIssue } from '../shared/errors.ts';

/** Builds an issue pointing at `offset` characters into the string value at `path`. */
export function issueInValue(
  src: YamlSource,
  text: string,
  path: readonly (string | number)[],
  offset: number,
  message: string,
): FieldIssue {
  const base = issueAt(src, path, message);
  const node: unknown = src.doc.getIn(path as unknown[], true);
  if (!isScalar(node) || !node.range || typeof node.value !== 'string') return base;
  const start = node.range[0];
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const before = node.value.slice(0, offset).split('\n');
    const lineIdx = before.length - 1;
    const col = (before[lineIdx] ?? '').length;
    const headerEnd = text.indexOf('\n', start);
    if (headerEnd === -1) return base;
    const rest = text.slice(headerEnd + 1).split('\n');
    const firstContent = rest.find((l) => l.trim() !== '') ?? '';
    const indent = firstContent.length - firstContent.trimStart().length;
    const first = src.lines.linePos(headerEnd + 1);
    return { ...base, line: first.line + lineIdx, column: indent + col + 1 };
  }
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
  const pos = src.lines.linePos(start + quoted + offset);
  return { ...base, line: pos.line, column: pos.col };
}
