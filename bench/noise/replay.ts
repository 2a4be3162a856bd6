import { decideAggregation, firstMatchingRule } from '../../src/pipeline/aggregation.ts';
import { onFiring, type Transition } from '../../src/pipeline/flap.ts';
import { groupKey } from '../../src/pipeline/group-key.ts';
import {
  decideFlush,
  nextFlushAt,
  type GroupState,
  type GroupTimerOptions,
  type NotificationLogEntry,
} from '../../src/pipeline/group-timer.ts';
import { InhibitionIndex } from '../../src/pipeline/inhibit.ts';
import { route, type RouteNode } from '../../src/pipeline/routing.ts';
import type { PipelineSetup } from './config.ts';
import type { Storm, StormAlert } from './generator.ts';

/** A page: a notification (baseline) or an incident opened (vigil). */
export interface Page {
  at: number;
  /** Alert that caused the page (vigil) or the firing alerts notified (baseline). */
  alerts: number[];
}

/** What a replay produced: the pages and which cluster each alert ended up in. */
export interface ReplayResult {
  pages: Page[];
  /** Alert id → cluster id (alerts never grouped are left out and count as singletons). */
  cluster: Map<number, string>;
}

const TICK = 5_000;

const timers = (n: RouteNode): GroupTimerOptions => ({
  groupWaitMs: n.groupWaitMs,
  groupIntervalMs: n.groupIntervalMs,
  repeatIntervalMs: n.repeatIntervalMs,
  sendResolved: true,
});

interface Group {
  node: RouteNode;
  state: GroupState;
  nextCheckAt: number;
  cluster: string;
  incident?: number;
}

/**
 * Replays a storm through the pure pipeline functions with simulated time (5 s ticks).
 * mode `vigil`: flap detection → aggregation (delay) → routing/grouping/timers → inhibition with
 * sticky attachment to the source's incident → one page per incident (later group notifications
 * update it). mode `alertmanager`: routing/grouping/timers/nflog only; every notification with
 * firing alerts is a page; each group lifetime is one cluster.
 */
export function replay(storm: Storm, setup: PipelineSetup, mode: 'vigil' | 'alertmanager'): ReplayResult {
  const byId = new Map(storm.alerts.map((a) => [a.id, a]));
  const pages: Page[] = [];
  const cluster = new Map<number, string>();
  const via = new Map<number, number>(); // alert → alert whose cluster it joins (inhibition)
  const history = new Map<string, Transition[]>();
  const fpIncident = new Map<string, number>();
  const incidentCluster: string[] = [];
  const delayed = new Map<number, number>();
  const groups = new Map<string, Group>();
  let groupSeq = 0;
  const starts = [...storm.alerts];
  const ends = [...storm.alerts].sort((a, b) => a.endsAt - b.endsAt);
  let si = 0;
  let ei = 0;
  const live = new Map<number, StormAlert>();

  const openIncident = (a: StormAlert, at: number, clusterId: string): number => {
    const id = incidentCluster.length;
    incidentCluster.push(clusterId);
    pages.push({ at, alerts: [a.id] });
    fpIncident.set(a.fingerprint, id);
    return id;
  };
  const assign = (a: StormAlert, incident: number): void => {
    cluster.set(a.id, incidentCluster[incident] ?? '');
    fpIncident.set(a.fingerprint, incident);
  };
  const enterGroup = (a: StormAlert, now: number): void => {
    for (const node of route(setup.tree, a.labels)) {
      const key = groupKey(node, a.labels);
      let g = groups.get(key);
      if (!g) {
        g = { node, state: { createdAt: now, alerts: [] }, nextCheckAt: now, cluster: `g${groupSeq++}` };
        groups.set(key, g);
      }
      g.state = {
        ...g.state,
        alerts: [
          ...g.state.alerts,
          { fingerprint: String(a.id), startsAt: a.startsAt, endsAt: a.endsAt, receivedAt: now },
        ],
      };
      if (g.state.lastFlushAt === undefined) g.nextCheckAt = nextFlushAt(g.state, timers(node));
      if (mode === 'alertmanager') cluster.set(a.id, g.cluster);
    }
  };

  const endAt = storm.endAt + 3_600_000;
  for (let now = 0; now <= endAt; now += TICK) {
    while (si < starts.length && (starts[si]?.startsAt ?? Infinity) <= now) {
      const a = starts[si++] as StormAlert;
      live.set(a.id, a);
      if (mode === 'alertmanager') {
        enterGroup(a, now);
        continue;
      }
      const h = history.get(a.fingerprint) ?? [];
      const d = setup.flap ? onFiring(h, setup.flap, a.startsAt) : { kind: 'page' as const };
      h.push({ at: a.startsAt, state: 'firing' });
      history.set(a.fingerprint, h);
      const known = fpIncident.get(a.fingerprint);
      if (d.kind === 'update' && known !== undefined) {
        assign(a, known);
        continue;
      }
      if (d.kind === 'update' && d.flapping) {
        const inc = openIncident(a, now, `flap:${a.fingerprint}:${a.id}`);
        for (const b of storm.alerts)
          if (b.fingerprint === a.fingerprint && b.startsAt <= now && !cluster.has(b.id)) assign(b, inc);
        continue;
      }
      const rule = firstMatchingRule(setup.aggregation, a);
      if (rule?.action === 'delay') delayed.set(a.id, a.startsAt + rule.delayMs);
      else if (rule?.action === 'suppress') continue;
      else enterGroup(a, now);
    }
    while (ei < ends.length && (ends[ei]?.endsAt ?? Infinity) <= now) {
      const a = ends[ei++] as StormAlert;
      live.delete(a.id);
      const h = history.get(a.fingerprint);
      if (h) h.push({ at: a.endsAt, state: 'resolved' });
    }
    for (const [id, until] of delayed) {
      if (until > now) continue;
      delayed.delete(id);
      const a = byId.get(id) as StormAlert;
      const rule = firstMatchingRule(setup.aggregation, a);
      const decision = rule ? decideAggregation(rule, [a], now) : [];
      if (decision.some((d) => d.kind === 'page') && !cluster.has(a.id)) enterGroup(a, now);
    }
    let index: InhibitionIndex | undefined;
    for (const [key, g] of groups) {
      if (g.nextCheckAt > now) continue;
      const node = g.node;
      let state = g.state;
      if (mode === 'vigil' && setup.inhibit.length) {
        index ??= new InhibitionIndex(
          setup.inhibit,
          [...live.values()].map((a) => ({
            fingerprint: a.fingerprint,
            labels: a.labels,
            firing: true,
            startsAt: a.startsAt,
          })),
        );
        const kept = state.alerts.filter((ga) => {
          const a = byId.get(Number(ga.fingerprint)) as StormAlert;
          if (via.has(a.id)) return false;
          const src = index?.inhibitedBy(a, { startsAt: a.startsAt, maxLagMs: setup.inhibitMaxLagMs })[0];
          if (src === undefined) return true;
          const source = [...live.values()].find((x) => x.fingerprint === src);
          if (source) via.set(a.id, source.id);
          return source === undefined;
        });
        state = { ...state, alerts: kept };
      }
      const d = decideFlush(state, timers(node), now);
      if (!d.due) {
        g.nextCheckAt = d.nextCheckAt ?? now + TICK;
        continue;
      }
      if (d.notify && d.firing.length > 0) {
        const ids = d.firing.map(Number);
        if (mode === 'alertmanager') pages.push({ at: now, alerts: ids });
        else if (d.reason === 'first notification' || d.reason === 'new alerts added') {
          for (const id of ids) {
            const a = byId.get(id) as StormAlert;
            if (cluster.has(id)) continue;
            g.incident ??= openIncident(a, now, g.cluster);
            assign(a, g.incident);
          }
        }
      }
      const log: NotificationLogEntry | undefined = d.logEntry ?? g.state.lastNotification;
      const remove = new Set(d.remove);
      const rest = g.state.alerts.filter(
        (ga) =>
          !remove.has(ga.fingerprint) &&
          !(ga.endsAt !== undefined && ga.endsAt <= now && via.has(Number(ga.fingerprint))),
      );
      if (rest.length === 0) {
        groups.delete(key);
        continue;
      }
      g.state = { createdAt: g.state.createdAt, alerts: rest, lastFlushAt: now, lastNotification: log };
      g.nextCheckAt = d.nextCheckAt ?? now + node.groupIntervalMs;
    }
  }
  // Inhibited alerts join the cluster of the alert that inhibited them (transitively).
  for (const id of via.keys()) {
    let cur: number | undefined = id;
    const seen = new Set<number>();
    while (cur !== undefined && !cluster.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      cur = via.get(cur);
    }
    const c = cur !== undefined ? cluster.get(cur) : undefined;
    if (c !== undefined && !cluster.has(id)) cluster.set(id, c);
  }
  return { pages, cluster };
}
