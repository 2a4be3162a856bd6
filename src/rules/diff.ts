/**
 * `vigil rules diff`: what a change to the rule YAML changes in each compiled output, per rule
 * (added, removed, or changed with the field paths that differ). Compares compiled outputs, so it
 * shows exactly what a reviewer would deploy.
 */
import { parse } from 'yaml';
import type { OutputFile } from './compile.ts';

/** One field that differs, with its dotted path inside the rule's compiled form. */
interface FieldChange {
  path: string;
  old?: unknown;
  new?: unknown;
}

/** What changed for one rule in one output. */
interface RuleChange {
  output: string;
  rule: string;
  change: 'added' | 'removed' | 'changed';
  fields: FieldChange[];
}

type Obj = Record<string, unknown>;

function byRule(file: string, content: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (file.endsWith('.yml')) {
    const doc = (parse(content) ?? {}) as { groups?: { name: string; rules?: Obj[] }[] };
    for (const g of doc.groups ?? [])
      for (const r of g.rules ?? []) out.set(String(r['alert']), { group: g.name, ...r });
  } else {
    const v = JSON.parse(content) as unknown;
    if (Array.isArray(v)) for (const a of v as Obj[]) out.set(String(a['AlarmName']), a);
    else if (v && typeof v === 'object') {
      const o = v as Obj;
      if (o['Resources'])
        for (const [, res] of Object.entries(o['Resources'] as Obj))
          out.set(String(((res as Obj)['Properties'] as Obj)['AlarmName']), res);
      else if (Array.isArray(o['resources']))
        for (const res of o['resources'] as Obj[]) out.set(String(res['name']), res);
      else if (o['spec'])
        for (const g of ((o['spec'] as Obj)['groups'] as { name: string; rules: Obj[] }[]) ?? [])
          for (const r of g.rules) out.set(String(r['alert']), { group: g.name, ...r });
    }
  }
  return out;
}

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (v && typeof v === 'object') {
    const entries = Array.isArray(v)
      ? v.map((x, i) => [`[${i}]`, x] as const)
      : Object.entries(v as Obj).map(([k, x]) => [prefix ? `.${k}` : k, x] as const);
    if (entries.length === 0) out.set(prefix, v);
    for (const [k, x] of entries) flatten(x, `${prefix}${k}`, out);
  } else out.set(prefix, v);
}

/** Field-level differences between two compiled forms of one rule. */
function fieldDiff(a: unknown, b: unknown): FieldChange[] {
  const fa = new Map<string, unknown>();
  const fb = new Map<string, unknown>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  const out: FieldChange[] = [];
  for (const k of new Set([...fa.keys(), ...fb.keys()])) {
    const x = fa.get(k);
    const y = fb.get(k);
    if (JSON.stringify(x) !== JSON.stringify(y))
      out.push({ path: k, ...(fa.has(k) ? { old: x } : {}), ...(fb.has(k) ? { new: y } : {}) });
  }
  return out;
}

/** Diffs two sets of compiled files (same names compared; a file missing on one side counts as empty). */
export function diffOutputs(oldFiles: readonly OutputFile[], newFiles: readonly OutputFile[]): RuleChange[] {
  const changes: RuleChange[] = [];
  const names = [...new Set([...oldFiles, ...newFiles].map((f) => f.path))]
    .filter((p) => !p.includes('/'))
    .sort();
  for (const name of names) {
    const before = byRule(
      name,
      oldFiles.find((f) => f.path === name)?.content ?? (name.endsWith('.yml') ? '' : '[]'),
    );
    const after = byRule(
      name,
      newFiles.find((f) => f.path === name)?.content ?? (name.endsWith('.yml') ? '' : '[]'),
    );
    for (const [rule, v] of after) {
      if (!before.has(rule)) changes.push({ output: name, rule, change: 'added', fields: [] });
      else {
        const fields = fieldDiff(before.get(rule), v);
        if (fields.length) changes.push({ output: name, rule, change: 'changed', fields });
      }
    }
    for (const rule of before.keys())
      if (!after.has(rule)) changes.push({ output: name, rule, change: 'removed', fields: [] });
  }
  return changes;
}

/** Renders changes for a terminal: `+ rule`, `- rule`, `~ rule` with `path: old → new` lines. */
export function formatChanges(changes: readonly RuleChange[]): string {
  if (changes.length === 0) return 'no changes in compiled outputs';
  const sign = { added: '+', removed: '-', changed: '~' } as const;
  return changes
    .map((c) => {
      const head = `${sign[c.change]} ${c.output} ${c.rule}`;
      const lines = c.fields.map(
        (f) => `    ${f.path}: ${JSON.stringify(f.old) ?? '(none)'} → ${JSON.stringify(f.new) ?? '(none)'}`,
      );
      return [head, ...lines].join('\n');
    })
    .join('\n');
}
