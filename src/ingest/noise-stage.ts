import type { StoredAlert } from '../alerts/alert-store.ts';
import { loadAlerts } from '../alerts/alert-store.ts';
import { scheduleJobs, type NewJob } from '../engine/jobs.ts';
import type { IncidentGroup } from '../incidents/grouping.ts';
import { findOpenByGroup, type NewTimelineEvent } from '../incidents/incident-store.ts';
import type { Incident } from '../incidents/incident.ts';
import { firstMatchingRule, type AggregationRule } from '../pipeline/aggregation.ts';
import { flapState, onFiring, type Transition } from '../pipeline/flap.ts';
import {
  loadHeld,
  loadNoiseRows,
  loadTransitions,
  saveNoiseRows,
  type NoiseRow,
} from '../pipeline/noise-store.ts';
import { windowActive } from '../pipeline/maintenance.ts';
import type { Pipeline } from '../pipeline/setup.ts';
import { activeSilencesAt } from '../pipeline/silence-store.ts';
import { silencedBy, type Silence } from '../pipeline/silences.ts';
import type { Db } from '../store/db.ts';

/** The job kind that looks at a delayed, held or flapping alert again when its time is up. */
export const NOISE_RECHECK_JOB = 'noise.recheck';

/** The job key of an alert's noise re-check (one pending row per fingerprint). */
export function noiseRecheckKey(fingerprint: string): string {
  return `noise:${fingerprint}`;
}

/** A firing alert of the batch that would open or join an incident if nothing stopped it. */
export interface NoiseCandidate {
  alert: StoredAlert;
  /** Its stored version before this batch. */
  old: StoredAlert | undefined;
  /** The (resolved) incident it was last attached to, if any: it paged before. */
  previous: Incident | undefined;
  /** Its group on the routing tree. */
  group: IncidentGroup;
}

/** What the noise stages let through, and what else they changed. */
export interface NoiseOutcome {
  /** Alerts that go on to open or join an incident, with the incident group they go to. */
  toIncident: Array<{ group: IncidentGroup; alert: StoredAlert }>;
  /** Held alerts (stored earlier, not in this batch) that join their rule's single incident now. */
  joined: Array<{ group: IncidentGroup; alert: StoredAlert }>;
  timeline: NewTimelineEvent[];
}

/** The group key of a `create_single_incident` rule's incident for one `group_by` partition. */
export function aggregationKey(rule: AggregationRule, labels: Record<string, string>): string {
  const parts = rule.groupBy.map((l) => `${l}=${JSON.stringify(labels[l] ?? '')}`);
  return `{aggregation=${JSON.stringify(rule.name)}}:{${parts.join(', ')}}`;
}

function aggregationGroup(rule: AggregationRule, key: string, first: NoiseCandidate): IncidentGroup {
  const vals = rule.groupBy.map((l) => `${l}=${first.alert.labels[l] ?? ''}`);
  return {
    ...first.group,
    key,
    title: vals.length > 0 ? `${rule.name} (${vals.join(', ')})` : rule.name,
  };
}

/**
 * The noise stages of the live path, run inside the ingest transaction on the firing alerts that
 * would otherwise open or join an incident (alerts already in an open incident are left alone):
 * 1. an aggregation rule with `action: suppress` → recorded (`suppressed`), no incident, no page;
 * 2. flap detection, for sources that paged before: a re-fire within the flap window that has not
 *    settled is attached to the incident that paged (`flapping`, count on its timeline), no page;
 * 3. `delay` → no incident until the alert has fired for `delay_minutes` (a durable re-check job);
 *    a source that reaches `min_flaps` while delayed pages at once;
 * 4. `create_single_incident` → held until `min_alerts` matching alerts started within
 *    `window_minutes`, then one incident for all of them; held alerts whose own window closes below
 *    the threshold are released to normal routing.
 * Resolved alerts of the batch end their wait: delayed (or held past the window) → `transient`.
 * Queries: noise rows, transitions, held alerts and open single incidents — each once per batch;
 * the active silences too, unless the caller read them (`silences`).
 */
export async function noiseStage(
  db: Db,
  pipeline: Pipeline | undefined,
  candidates: readonly NoiseCandidate[],
  resolved: readonly StoredAlert[],
  now: number,
  silences?: readonly Silence[],
): Promise<NoiseOutcome> {
  const out: NoiseOutcome = { toIncident: [], joined: [], timeline: [] };
  const muted = await muteStage(db, pipeline, candidates, now, silences);
  if (muted.rows.length > 0) {
    await saveNoiseRows(db, muted.rows);
    await scheduleJobs(db, muted.jobs, now, 'replace');
    candidates = muted.pass;
  }
  const rules = pipeline?.aggregationRules ?? [];
  const flap = pipeline?.flap;
  const flapOn = flap?.enabled === true;
  if (!pipeline || (rules.length === 0 && !flapOn) || candidates.length + resolved.length === 0) {
    for (const c of candidates) out.toIncident.push({ group: c.group, alert: c.alert });
    return out;
  }
  const rows = await loadNoiseRows(db, [
    ...candidates.map((c) => c.alert.fingerprint),
    ...resolved.map((a) => a.fingerprint),
  ]);
  const ruleOf = new Map<string, AggregationRule | undefined>();
  for (const c of candidates) ruleOf.set(c.alert.fingerprint, firstMatchingRule(rules, c.alert));
  const histFps = candidates
    .filter((c) => c.old !== undefined && (c.previous !== undefined || ruleOf.get(c.alert.fingerprint)))
    .map((c) => c.alert.fingerprint);
  const history =
    flapOn && histFps.length > 0
      ? await loadTransitions(db, histFps, now - flap.windowMs - flap.settleMs)
      : new Map<string, Transition[]>();
  const save: NoiseRow[] = [];
  const jobs: NewJob[] = [];
  const row = (
    a: StoredAlert,
    r: Omit<NoiseRow, 'fingerprint' | 'episode' | 'updatedAt' | 'flapCount'> & { flapCount?: number },
  ) => {
    save.push({ fingerprint: a.fingerprint, episode: a.startsAt, updatedAt: now, flapCount: 0, ...r });
    if (r.until !== undefined && a.endsAt > now)
      jobs.push({
        kind: NOISE_RECHECK_JOB,
        key: noiseRecheckKey(a.fingerprint),
        runAt: r.until,
        payload: { fingerprint: a.fingerprint },
      });
  };
  const byKey = new Map<string, { rule: AggregationRule; list: NoiseCandidate[] }>();

  for (const c of candidates) {
    const a = c.alert;
    const rule = ruleOf.get(a.fingerprint);
    const prev = rows.get(a.fingerprint);
    if (rule?.action === 'suppress') {
      row(a, { state: 'suppressed', rule: rule.name });
      a.groupKey = '';
      continue;
    }
    const transition = !c.old || c.old.endsAt <= now || c.old.startsAt !== a.startsAt;
    const past = history.get(a.fingerprint) ?? [];
    const hist: Transition[] = transition ? past : past.filter((t) => t.at < now);
    if (flapOn && c.previous) {
      const d = transition ? onFiring(hist, flap, now) : undefined;
      const st = flapState(transition ? [...hist, { at: now, state: 'firing' }] : hist, flap, now);
      const still =
        !transition && prev?.state === 'flapping' && prev.episode === a.startsAt && now < (st.settlesAt ?? 0);
      if (d?.kind === 'update' || still) {
        const count = d?.flapCount ?? prev?.flapCount ?? st.flapCount;
        const flapping = d?.kind === 'update' ? d.flapping : count >= flap.minFlaps;
        const settlesAt = (st.lastTransitionAt ?? now) + flap.settleMs;
        a.incidentId = c.previous.id;
        a.groupKey = '';
        row(a, { state: 'flapping', flapCount: count, until: settlesAt });
        if (transition)
          out.timeline.push({
            incidentId: c.previous.id,
            at: now,
            type: 'alert.flapping',
            actor: 'vigil',
            data: {
              fingerprint: a.fingerprint,
              alertname: a.labels['alertname'] ?? '',
              flapCount: count,
              flapping,
              settlesAt: new Date(settlesAt).toISOString(),
            },
          });
        continue;
      }
    }
    if (rule?.action === 'delay') {
      const due = a.startsAt + rule.delayMs;
      const count = flapOn ? flapState([...hist, { at: now, state: 'firing' }], flap, now).flapCount : 0;
      const flapping = flapOn && count >= flap.minFlaps;
      if (now >= due || flapping || (prev?.state === 'paged' && prev.episode === a.startsAt)) {
        row(a, { state: 'paged', rule: rule.name, flapCount: count });
        out.toIncident.push({ group: c.group, alert: a });
      } else {
        row(a, { state: 'delayed', rule: rule.name, until: due, flapCount: count });
        a.groupKey = '';
      }
      continue;
    }
    if (rule?.action === 'create_single_incident') {
      const key = aggregationKey(rule, a.labels);
      const entry = byKey.get(key) ?? { rule, list: [] };
      entry.list.push(c);
      byKey.set(key, entry);
      continue;
    }
    out.toIncident.push({ group: c.group, alert: a });
  }

  if (byKey.size > 0) await singleIncidents(db, byKey, out, row, now);

  const byName = new Map(rules.map((r) => [r.name, r]));
  for (const a of resolved) {
    const prev = rows.get(a.fingerprint);
    if (!prev || prev.episode !== a.startsAt) continue;
    const rule = prev.rule !== undefined ? byName.get(prev.rule) : undefined;
    const windowClosed = rule !== undefined && prev.episode + rule.windowMs <= now;
    if (prev.state === 'delayed' || (prev.state === 'held' && windowClosed))
      save.push({ ...prev, state: 'transient', until: undefined, updatedAt: now });
  }
  await saveNoiseRows(db, save);
  await scheduleJobs(db, jobs, now, 'replace');
  return out;
}

/**
 * Silences and maintenance windows stop paging, not recording: a firing alert that would open or
 * join an incident while it is silenced, or while its service is in a maintenance window, is kept
 * out of incidents and groups (`muted`) and looked at again when the silence or window ends, when
 * it goes on to routing as if it had just arrived. Alerts already in an open incident are not
 * affected (acknowledge the incident to stop its escalation).
 */
async function muteStage(
  db: Db,
  pipeline: Pipeline | undefined,
  candidates: readonly NoiseCandidate[],
  now: number,
  active?: readonly Silence[],
): Promise<{ pass: NoiseCandidate[]; rows: NoiseRow[]; jobs: NewJob[] }> {
  const out = { pass: [] as NoiseCandidate[], rows: [] as NoiseRow[], jobs: [] as NewJob[] };
  if (candidates.length === 0) return out;
  const silences = active ?? (await activeSilencesAt(db, now));
  const windows = pipeline?.maintenance ?? [];
  if (silences.length === 0 && windows.length === 0) {
    out.pass.push(...candidates);
    return out;
  }
  for (const c of candidates) {
    const a = c.alert;
    const hits = silences.filter((s) => silencedBy(a.labels, [s], now).length > 0);
    const inMaintenance = windows.filter((w) => w.services.includes(c.group.service) && windowActive(w, now));
    if (hits.length === 0 && inMaintenance.length === 0) {
      out.pass.push(c);
      continue;
    }
    // Looked at again when every silence and window that holds it has ended (a window defined by
    // time intervals only is looked at again a minute later).
    const ends = [
      ...hits.map((s) => s.endsAt),
      ...inMaintenance.map((w) => (w.ends_at ? Date.parse(w.ends_at) : now + 60_000)),
    ];
    const until = Math.max(...ends);
    a.groupKey = '';
    out.rows.push({
      fingerprint: a.fingerprint,
      state: 'muted',
      episode: a.startsAt,
      until,
      flapCount: 0,
      updatedAt: now,
    });
    out.jobs.push({
      kind: NOISE_RECHECK_JOB,
      key: noiseRecheckKey(a.fingerprint),
      runAt: until,
      payload: { fingerprint: a.fingerprint },
    });
  }
  return out;
}

type RowFn = (
  a: StoredAlert,
  r: Omit<NoiseRow, 'fingerprint' | 'episode' | 'updatedAt' | 'flapCount'> & { flapCount?: number },
) => void;

/** `create_single_incident` per aggregation key: join the open incident, open one, hold or release. */
async function singleIncidents(
  db: Db,
  byKey: Map<string, { rule: AggregationRule; list: NoiseCandidate[] }>,
  out: NoiseOutcome,
  row: RowFn,
  now: number,
): Promise<void> {
  const keys = [...byKey.keys()];
  const open = await findOpenByGroup(db, keys);
  const batchFps = new Set([...byKey.values()].flatMap((e) => e.list.map((c) => c.alert.fingerprint)));
  const held = (
    await loadHeld(
      db,
      keys.filter((k) => !open.has(k)),
    )
  ).filter((h) => !batchFps.has(h.fingerprint));
  const heldAlerts = await loadAlerts(
    db,
    held.map((h) => h.fingerprint),
  );
  for (const [key, { rule, list }] of byKey) {
    const first = list[0] as NoiseCandidate;
    const group = aggregationGroup(rule, key, first);
    const join = (a: StoredAlert) => {
      row(a, { state: 'aggregated', rule: rule.name, aggKey: key });
      a.groupKey = a.endsAt > now ? key : '';
    };
    if (open.has(key)) {
      for (const c of list) {
        join(c.alert);
        out.toIncident.push({ group, alert: c.alert });
      }
      continue;
    }
    const start = now - rule.windowMs;
    const late = list.filter((c) => c.alert.startsAt <= start);
    for (const c of late) {
      row(c.alert, { state: 'released', rule: rule.name, aggKey: key });
      out.toIncident.push({ group: c.group, alert: c.alert });
    }
    const fresh = list.filter((c) => c.alert.startsAt > start);
    const waiting = held.filter((h) => h.aggKey === key && h.episode > start);
    if (fresh.length === 0) continue;
    if (fresh.length + waiting.length >= rule.minAlerts) {
      for (const c of fresh) {
        join(c.alert);
        out.toIncident.push({ group, alert: c.alert });
      }
      for (const h of waiting) {
        const a = heldAlerts.get(h.fingerprint);
        if (!a) continue;
        join(a);
        out.joined.push({ group, alert: a });
      }
    } else {
      for (const c of fresh) {
        row(c.alert, {
          state: 'held',
          rule: rule.name,
          aggKey: key,
          until: c.alert.startsAt + rule.windowMs,
        });
        c.alert.groupKey = '';
      }
    }
  }
}
