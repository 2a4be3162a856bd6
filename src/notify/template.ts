import { escapeFor, truncate, type EscapeMode } from './escape.ts';

/**
 * vigil's template syntax (docs/adr/0005-notification-templates.md): a deliberately small,
 * logic-less language — `{{ incident.title }}`, filters `{{ incident.service | upper }}`,
 * `{{ links.runbook | default "none" }}`, and `{{#if links.runbook}}…{{else}}…{{/if}}`.
 * No loops, no function calls, no access outside the variables listed in TEMPLATE_VARIABLES, so a
 * template can neither run code nor hang; each substitution is escaped for the target channel.
 */

/** Variable roots a template may read (anything under `incident.labels.` is also allowed). */
export const TEMPLATE_VARIABLES = [
  'event',
  'incident.id',
  'incident.title',
  'incident.severity',
  'incident.urgency',
  'incident.status',
  'incident.service',
  'incident.summary',
  'incident.value',
  'incident.triggered_at',
  'incident.resolved_at',
  'incident.key_labels',
  'links.runbook',
  'links.dashboard',
  'links.incident',
  'links.ack',
  'links.resolve',
  'actor',
  'escalation_level',
  'handoff.from',
  'handoff.to',
] as const;

const FILTERS = ['upper', 'lower', 'default', 'truncate', 'trim'] as const;
type FilterName = (typeof FILTERS)[number];

interface Filter {
  name: FilterName;
  arg?: string | number;
}
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'expr'; path: string; filters: Filter[] }
  | { kind: 'if'; path: string; then: Node[]; else: Node[] };

/** A template that parsed; render it with {@link renderTemplate}. */
export interface CompiledTemplate {
  source: string;
  nodes: Node[];
}

/** A compile error with the character offset it concerns. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

function checkPath(path: string, at: number): void {
  if (!/^[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*$/.test(path))
    throw new TemplateError(`bad variable "${path}"`, at);
  if (path.startsWith('incident.labels.')) return;
  if (!(TEMPLATE_VARIABLES as readonly string[]).includes(path)) {
    throw new TemplateError(`unknown variable "${path}"`, at);
  }
}

function parseExpr(inner: string, at: number): Node {
  const parts = inner.split('|').map((p) => p.trim());
  const path = parts[0] ?? '';
  checkPath(path, at);
  const filters: Filter[] = parts.slice(1).map((f) => {
    const m = /^([a-z]+)(?:\s+(?:"((?:[^"\\]|\\.)*)"|(\d+)))?$/.exec(f);
    if (!m) throw new TemplateError(`bad filter "${f}"`, at);
    const name = m[1] as FilterName;
    if (!(FILTERS as readonly string[]).includes(name))
      throw new TemplateError(`unknown filter "${name}"`, at);
    const needsArg = name === 'default' || name === 'truncate';
    const arg =
      m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3] !== undefined ? Number(m[3]) : undefined;
    if (needsArg && arg === undefined) throw new TemplateError(`filter "${name}" needs an argument`, at);
    if (name === 'truncate' && typeof arg !== 'number')
      throw new TemplateError('truncate needs a number', at);
    return arg === undefined ? { name } : { name, arg };
  });
  return { kind: 'expr', path, filters };
}

/** Parses a template, throwing {@link TemplateError} on the first problem (with its offset). */
export function compileTemplate(source: string): CompiledTemplate {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { kind: 'if' }>; inElse: boolean; at: number }[] = [];
  const target = (): Node[] => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.else : top.node.then) : root;
  };
  const re = /\{\{(.*?)\}\}/gs;
  let last = 0;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    if (m.index > last) target().push({ kind: 'text', text: source.slice(last, m.index) });
    last = m.index + m[0].length;
    const inner = (m[1] ?? '').trim();
    const at = m.index;
    if (inner.startsWith('#if ')) {
      const path = inner.slice(4).trim();
      checkPath(path, at);
      const node: Extract<Node, { kind: 'if' }> = { kind: 'if', path, then: [], else: [] };
      target().push(node);
      stack.push({ node, inElse: false, at });
    } else if (inner === 'else') {
      const top = stack[stack.length - 1];
      if (!top || top.inElse) throw new TemplateError('{{else}} without {{#if}}', at);
      top.inElse = true;
    } else if (inner === '/if') {
      if (!stack.pop()) throw new TemplateError('{{/if}} without {{#if}}', at);
    } else {
      target().push(parseExpr(inner, at));
    }
  }
  const rest = source.slice(last);
  if (rest.includes('{{')) throw new TemplateError('unclosed "{{"', last + rest.indexOf('{{'));
  if (rest) target().push({ kind: 'text', text: rest });
  const open = stack.pop();
  if (open) throw new TemplateError('{{#if}} is never closed with {{/if}}', open.at);
  return { source, nodes: root };
}

/** The values a template reads: a flat map from variable path to text. */
export type TemplateVars = Readonly<Record<string, string | undefined>>;

function applyFilter(value: string | undefined, f: Filter): string | undefined {
  switch (f.name) {
    case 'upper':
      return value?.toUpperCase();
    case 'lower':
      return value?.toLowerCase();
    case 'trim':
      return value?.trim();
    case 'default':
      return value === undefined || value === '' ? String(f.arg) : value;
    case 'truncate':
      return value === undefined ? value : truncate(value, Number(f.arg));
  }
}

function renderNodes(nodes: Node[], vars: TemplateVars, mode: EscapeMode): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'if') out += renderNodes(vars[n.path] ? n.then : n.else, vars, mode);
    else {
      const v = n.filters.reduce<string | undefined>((acc, f) => applyFilter(acc, f), vars[n.path]);
      out += escapeFor(mode, v ?? '');
    }
  }
  return out;
}

/** Renders a compiled template; every substituted value is escaped with `mode`, literal text is not. */
export function renderTemplate(t: CompiledTemplate, vars: TemplateVars, mode: EscapeMode): string {
  return renderNodes(t.nodes, vars, mode);
}
