import { VigilError } from '../shared/errors.ts';
import { parseDuration } from '../shared/duration.ts';
import { type LabelSet, type Matcher, matchesAll, parseMatchers } from './matchers.ts';
import { regexError } from './regex.ts';
import type { RouteConfig } from './route-schema.ts';

/** Alertmanager's timer defaults. */
export const DEFAULT_GROUP_WAIT_MS = 30_000;
/** Alertmanager's default `group_interval` (5m). */
export const DEFAULT_GROUP_INTERVAL_MS = 300_000;
/** Alertmanager's default `repeat_interval` (4h). */
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

/** A path into the config, used to locate problems (`['route','routes',0,'matchers',1]`). */
export type ConfigPath = (string | number)[];

/** A problem found while building the tree, with the config path it concerns. */
export interface RouteProblem {
  path: ConfigPath;
  message: string;
}

/**
 * A resolved routing-tree node: matchers compiled, inherited options filled in, timers in ms.
 * This is what `route()` walks and what grouping and timers read.
 */
export interface RouteNode {
  /** Alertmanager's route key, e.g. `{}/{team="ml"}`; the prefix of every group key on this route. */
  key: string;
  /** Position in the tree, `0` for the root, `0.2.1` for root.routes[2].routes[1]. */
  id: string;
  receiver: string;
  matchers: Matcher[];
  continue: boolean;
  /** Label names to group by; `'all'` for `['...']`. */
  groupBy: string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
  service?: string;
  escalationPolicy?: string;
  channels: string[];
  routes: RouteNode[];
}

const TYPE_ORDER: Record<Matcher['op'], number> = { '=': 0, '!=': 1, '=~': 2, '!~': 3 };

/** Sorts matchers as Alertmanager's `labels.Matchers.Less` does: name, then value, then type. */
function sortMatchers(ms: Matcher[]): Matcher[] {
  return [...ms].sort((a, b) =>
    a.name !== b.name
      ? a.name < b.name
        ? -1
        : 1
      : a.value !== b.value
        ? a.value < b.value
          ? -1
          : 1
        : TYPE_ORDER[a.op] - TYPE_ORDER[b.op],
  );
}

/** Whether goQuote has anything to escape: a quote, a backslash, or an ASCII control character. */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x7f) return true;
  }
  return false;
}

/** Go's `%q` for the printable-ASCII-plus-Unicode case (what Alertmanager's keys contain). */
export function goQuote(s: string): string {
  // Most values have nothing to escape: one scan instead of a loop that builds the string.
  if (!needsEscape(s)) return `"${s}"`;
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

function matchersKey(ms: readonly Matcher[]): string {
  return `{${ms.map((m) => `${m.name}${m.op}${goQuote(m.value)}`).join(',')}}`;
}

interface Inherited {
  receiver: string | undefined;
  groupBy: string[] | 'all';
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  service: string | undefined;
  escalationPolicy: string | undefined;
  channels: string[];
}

function build(
  cfg: RouteConfig,
  parent: { key: string; opts: Inherited } | undefined,
  id: string,
  path: ConfigPath,
  problems: RouteProblem[],
): RouteNode {
  const ms: Matcher[] = [];
  for (const [name, value] of Object.entries(cfg.match ?? {})) ms.push({ name, op: '=', value });
  for (const [name, value] of Object.entries(cfg.match_re ?? {})) {
    const err = regexError(value);
    if (err) problems.push({ path: [...path, 'match_re', name], message: err });
    else ms.push({ name, op: '=~', value });
  }
  (cfg.matchers ?? []).forEach((text, i) => {
    try {
      ms.push(...parseMatchers(text));
    } catch (e) {
      problems.push({ path: [...path, 'matchers', i], message: e instanceof Error ? e.message : String(e) });
    }
  });
  if (!parent) {
    if (ms.length > 0) problems.push({ path, message: 'the root route must not have matchers' });
    if (!cfg.receiver)
      problems.push({ path: [...path, 'receiver'], message: 'the root route needs a receiver' });
    if (cfg.continue)
      problems.push({ path: [...path, 'continue'], message: 'the root route cannot have continue' });
    for (const f of ['mute_time_intervals', 'active_time_intervals'] as const)
      if (cfg[f]?.length)
        problems.push({ path: [...path, f], message: `${f} is not allowed on the root route` });
  }
  let groupBy: string[] | 'all' | undefined;
  if (cfg.group_by) {
    if (cfg.group_by.includes('...')) {
      if (cfg.group_by.length > 1)
        problems.push({ path: [...path, 'group_by'], message: "cannot mix '...' with other labels" });
      groupBy = 'all';
    } else {
      const seen = new Set<string>();
      cfg.group_by.forEach((l, i) => {
        if (seen.has(l)) problems.push({ path: [...path, 'group_by', i], message: `duplicate label ${l}` });
        seen.add(l);
      });
      groupBy = [...seen];
    }
  }
  const dur = (field: 'group_wait' | 'group_interval' | 'repeat_interval', fallback: number): number => {
    const v = cfg[field];
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms !== undefined) return ms;
    problems.push({ path: [...path, field], message: `invalid duration ${JSON.stringify(v)}` });
    return fallback;
  };
  const p = parent?.opts;
  const opts: Inherited = {
    receiver: cfg.receiver ?? p?.receiver,
    groupBy: groupBy ?? p?.groupBy ?? [],
    groupWaitMs: dur('group_wait', p?.groupWaitMs ?? DEFAULT_GROUP_WAIT_MS),
    groupIntervalMs: dur('group_interval', p?.groupIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS),
    repeatIntervalMs: dur('repeat_interval', p?.repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS),
    service: cfg.service ?? p?.service,
    escalationPolicy: cfg.escalation_policy ?? p?.escalationPolicy,
    channels: cfg.channels ?? p?.channels ?? [],
  };
  if (opts.groupIntervalMs === 0)
    problems.push({ path: [...path, 'group_interval'], message: 'must be > 0' });
  if (opts.repeatIntervalMs === 0)
    problems.push({ path: [...path, 'repeat_interval'], message: 'must be > 0' });
  const sorted = sortMatchers(ms);
  const key = parent ? `${parent.key}/${matchersKey(sorted)}` : matchersKey(sorted);
  const node: RouteNode = {
    key,
    id,
    receiver: opts.receiver ?? '',
    matchers: sorted,
    continue: cfg.continue ?? false,
    groupBy: opts.groupBy,
    groupWaitMs: opts.groupWaitMs,
    groupIntervalMs: opts.groupIntervalMs,
    repeatIntervalMs: opts.repeatIntervalMs,
    muteTimeIntervals: cfg.mute_time_intervals ?? [],
    activeTimeIntervals: cfg.active_time_intervals ?? [],
    channels: opts.channels,
    routes: [],
  };
  if (opts.service !== undefined) node.service = opts.service;
  if (opts.escalationPolicy !== undefined) node.escalationPolicy = opts.escalationPolicy;
  node.routes = (cfg.routes ?? []).map((c, i) =>
    build(c, { key, opts }, `${id}.${i}`, [...path, 'routes', i], problems),
  );
  return node;
}

/**
 * Resolves a route config into a tree: compiles matchers (`match`, `match_re` and `matchers`
 * merged and sorted as Alertmanager does), applies inheritance of receiver, group_by, timers,
 * service, escalation_policy and channels, and computes route keys. Returns the problems found
 * rather than throwing, so config validation can report every one of them.
 */
export function resolveRouteTree(
  cfg: RouteConfig,
  path: ConfigPath = ['route'],
): { tree: RouteNode; problems: RouteProblem[] } {
  const problems: RouteProblem[] = [];
  const tree = build(cfg, undefined, '0', path, problems);
  return { tree, problems };
}

/** Like `resolveRouteTree` but throws `config_invalid` listing every problem. */
export function buildRouteTree(cfg: RouteConfig): RouteNode {
  const { tree, problems } = resolveRouteTree(cfg);
  if (problems.length > 0)
    throw new VigilError(
      'config_invalid',
      `invalid route: ${problems.map((p) => p.message).join('; ')}`,
      problems.map((p) => ({ field: p.path.join('.'), message: p.message })),
    );
  return tree;
}

function walk(node: RouteNode, labels: LabelSet): RouteNode[] {
  if (!matchesAll(node.matchers, labels)) return [];
  const all: RouteNode[] = [];
  for (const child of node.routes) {
    const got = walk(child, labels);
    all.push(...got);
    if (got.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(node);
  return all;
}

/**
 * The routes an alert with `labels` is dispatched to, exactly as Alertmanager's `Route.Match`:
 * depth-first; at each level the first matching child wins unless it has `continue: true`; a node
 * with no matching child handles the alert itself. The root always matches.
 */
export function route(tree: RouteNode, labels: LabelSet): RouteNode[] {
  return walk(tree, labels);
}
