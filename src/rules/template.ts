/**
 * A basic Go text/template checker for annotation and label templates, so `{{ $labels.model }`
 * is caught at validate time rather than by Prometheus at rule load. It checks `{{ }}` balance,
 * quotes and parentheses inside actions, known functions and variables, and block nesting
 * (`if`/`range`/`with`/`define`/`block` … `end`). It is not a full Go template parser.
 */

/** A template problem at a character offset of the template text. */
interface TemplateError {
  offset: number;
  message: string;
}

const FUNCS = new Set([
  // Go builtins
  'and',
  'or',
  'not',
  'len',
  'index',
  'print',
  'printf',
  'println',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'html',
  'js',
  'urlquery',
  'call',
  'slice',
  // Prometheus template functions
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizePercentage',
  'humanizeTimestamp',
  'query',
  'first',
  'value',
  'label',
  'reReplaceAll',
  'title',
  'toUpper',
  'toLower',
  'stripPort',
  'stripDomain',
  'graphLink',
  'tableLink',
  'match',
  'args',
  'safeHtml',
  'parseDuration',
  'sortByLabel',
  'strvalue',
  'pathPrefix',
  'externalURL',
  'toTime',
  'toDuration',
  'now',
  'urlUnescape',
]);
const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'block',
  'template',
  'break',
  'continue',
  'nil',
  'true',
  'false',
]);
const OPENERS = new Set(['if', 'range', 'with', 'define', 'block']);
const VARS = new Set(['$', '$labels', '$value', '$externalLabels', '$externalURL']);

/** Checks one template string; returns every problem found (empty when fine). */
export function checkTemplate(text: string): TemplateError[] {
  const errors: TemplateError[] = [];
  const stack: { word: string; offset: number }[] = [];
  const declared = new Set(VARS);
  let pos = 0;
  for (;;) {
    const open = text.indexOf('{{', pos);
    const strayClose = text.indexOf('}}', pos);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      errors.push({ offset: strayClose, message: '"}}" without a matching "{{"' });
      pos = strayClose + 2;
      continue;
    }
    if (open === -1) break;
    const close = findClose(text, open + 2);
    if (close === -1) {
      errors.push({ offset: open, message: '"{{" is never closed; add "}}"' });
      break;
    }
    let body = text.slice(open + 2, close);
    body = body.replace(/^-\s/, ' ').replace(/\s-$/, ' ');
    checkAction(body.trim(), open, errors, stack, declared);
    pos = close + 2;
  }
  for (const s of stack)
    errors.push({ offset: s.offset, message: `{{ ${s.word} }} has no matching {{ end }}` });
  return errors;
}

function findClose(text: string, from: number): number {
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`' || c === "'") quote = c;
    else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

function checkAction(
  body: string,
  offset: number,
  errors: TemplateError[],
  stack: { word: string; offset: number }[],
  declared: Set<string>,
): void {
  if (body.startsWith('/*')) {
    if (!body.endsWith('*/')) errors.push({ offset, message: 'template comment must end with "*/"' });
    return;
  }
  if (body === '') {
    errors.push({ offset, message: 'empty action "{{ }}"; put a value such as {{ $value }} inside' });
    return;
  }
  const stripped = body.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)'/g, '""');
  if (/["`]/.test(stripped.replace(/""/g, ''))) {
    errors.push({ offset, message: 'unterminated string in template action' });
    return;
  }
  let depth = 0;
  for (const c of stripped) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0) break;
  }
  if (depth !== 0) errors.push({ offset, message: 'unbalanced parentheses in template action' });
  if (/^\||\|\s*$|\|\s*\|/.test(stripped))
    errors.push({ offset, message: 'empty command in pipeline ("|" with nothing on one side)' });
  const first = /^[\w$.]+/.exec(stripped)?.[0] ?? '';
  if (first === 'end') {
    if (!stack.pop()) errors.push({ offset, message: '{{ end }} without an open if/range/with' });
    return;
  }
  if (first === 'else') {
    if (stack.length === 0) errors.push({ offset, message: '{{ else }} outside if/range/with' });
  } else if (OPENERS.has(first)) stack.push({ word: first, offset });
  const assign =
    /^(\$\w+)\s*:?=/.exec(stripped) ?? /^(?:range|with|if)\s+(\$\w+)\s*(?:,\s*(\$\w+)\s*)?:=/.exec(stripped);
  if (assign) for (const v of assign.slice(1)) if (v) declared.add(v);
  for (const m of stripped.matchAll(/(^|[\s(|,])([A-Za-z_]\w*)(?=[\s)|]|$)/g)) {
    const word = m[2] ?? '';
    if (!FUNCS.has(word) && !KEYWORDS.has(word))
      errors.push({
        offset,
        message: `function "${word}" is not defined; see Prometheus template reference (e.g. humanize, printf, toUpper)`,
      });
  }
  for (const m of stripped.matchAll(/\$\w*/g)) {
    if (!declared.has(m[0]))
      errors.push({
        offset,
        message: `undefined variable "${m[0]}"; rule templates have $labels, $value, $externalLabels, $externalURL`,
      });
  }
}
