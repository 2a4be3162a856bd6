import { z } from 'zod';
import { listAlerts, type StoredAlert } from '../../alerts/alert-store.ts';
import { InhibitionIndex } from '../../pipeline/inhibit.ts';
import { matchesAll, parseMatchers, type Matcher } from '../../pipeline/matchers.ts';
import { activeSilencesAt } from '../../pipeline/silence-store.ts';
import { silencedBy } from '../../pipeline/silences.ts';
import { VigilError } from '../../shared/errors.ts';
import type { AppContext } from '../context.ts';
import { defineRoute, type AnyRoute } from '../route.ts';

const boolParam = z
  .enum(['true', 'false'])
  .default('true')
  .transform((v) => v === 'true');
const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const alertQuery = z.object({
  active: boolParam,
  silenced: boolParam,
  inhibited: boolParam,
  unprocessed: boolParam,
  muted: boolParam,
  filter: listParam.describe('Matchers such as alertname="X" or severity=~"crit.*"; repeatable'),
  receiver: z.string().optional().describe('Regex the receiver name must match (anchored)'),
});

/** The receiver every alert is reported under until routing names receivers. */
const RECEIVER = 'vigil';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A firing alert with the silences and the alerts that mute it (empty when none). */
interface ReadAlert extends StoredAlert {
  silencedBy: string[];
  inhibitedBy: string[];
}

/** Renders a stored alert as Alertmanager's gettableAlert (`suppressed` while silenced or inhibited). */
function gettable(a: ReadAlert) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAt),
    endsAt: iso(a.endsAt),
    updatedAt: iso(a.updatedAt),
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
    receivers: [{ name: RECEIVER }],
    status: {
      state: a.silencedBy.length > 0 || a.inhibitedBy.length > 0 ? 'suppressed' : 'active',
      silencedBy: a.silencedBy,
      inhibitedBy: a.inhibitedBy,
      mutedBy: [] as string[],
    },
  };
}

function parseFilters(filters: readonly string[]): Matcher[] {
  const out: Matcher[] = [];
  filters.forEach((f, i) => {
    try {
      out.push(...parseMatchers(f));
    } catch (err) {
      throw new VigilError('validation_failed', 'bad filter', [
        { field: `query.filter[${i}]`, message: err instanceof Error ? err.message : String(err) },
      ]);
    }
  });
  return out;
}

/**
 * The firing alerts a read returns: filtered by matchers and receiver, evaluated against the
 * silences active now (loaded once per request) and the inhibit rules (one `InhibitionIndex` over
 * every firing alert per request, so each alert costs O(rules + sources), never a pair scan), then
 * kept or hidden by the `active`, `silenced` and `inhibited` flags as in Alertmanager: a muted
 * alert is `suppressed` and shown only when every flag naming why it is muted is true; an unmuted
 * one only with `active`. Sources are all firing alerts, also those the filter leaves out.
 */
async function selectAlerts(ctx: AppContext, q: z.output<typeof alertQuery>): Promise<ReadAlert[]> {
  const matchers = parseFilters(q.filter);
  if (q.receiver !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${q.receiver})$`);
    } catch (err) {
      throw new VigilError('validation_failed', 'bad receiver regex', [
        { field: 'query.receiver', message: String(err) },
      ]);
    }
    if (!re.test(RECEIVER)) return [];
  }
  if (!q.active && !q.silenced && !q.inhibited) return [];
  const now = ctx.clock.now();
  const [alerts, silences] = await Promise.all([
    listAlerts(ctx.store.db, { firingAt: now }),
    activeSilencesAt(ctx.store.db, now),
  ]);
  const rules = ctx.loaded.pipeline.inhibitRules;
  const index =
    rules.length === 0
      ? undefined
      : new InhibitionIndex(
          rules,
          alerts.map((a) => ({ fingerprint: a.fingerprint, labels: a.labels, firing: true })),
        );
  const out: ReadAlert[] = [];
  for (const a of alerts) {
    if (!matchesAll(matchers, a.labels)) continue;
    const sil = silences.length === 0 ? [] : silencedBy(a.labels, silences, now);
    const inh = index ? index.inhibitedBy(a) : [];
    // Alertmanager: `silenced=false` hides silenced alerts, `inhibited=false` inhibited ones,
    // `active=false` the unmuted ones.
    const keep =
      sil.length === 0 && inh.length === 0
        ? q.active
        : (sil.length === 0 || q.silenced) && (inh.length === 0 || q.inhibited);
    if (keep) out.push({ ...a, silencedBy: sil, inhibitedBy: inh });
  }
  return out;
}

/** Alertmanager API v2 read endpoints, so amtool and Grafana can query vigil. */
export function alertmanagerReadRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v2/alerts',
      summary: 'List firing alerts (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      query: alertQuery,
      handler: async ({ query }) => (await selectAlerts(ctx, query)).map(gettable),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/alerts/groups',
      summary: 'List alert groups (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      query: alertQuery,
      handler: async ({ query }) => {
        const groups = new Map<string, ReadAlert[]>();
        for (const a of await selectAlerts(ctx, query)) {
          const list = groups.get(a.groupKey) ?? [];
          list.push(a);
          groups.set(a.groupKey, list);
        }
        return [...groups.values()].map((alerts) => {
          const first = alerts[0] as ReadAlert;
          return {
            labels: { alertname: first.labels['alertname'] ?? '', service: first.labels['service'] ?? '' },
            receiver: { name: RECEIVER },
            alerts: alerts.map(gettable),
          };
        });
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/status',
      summary: 'Server status (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      handler: () =>
        Promise.resolve({
          cluster: { status: 'disabled', peers: [] },
          versionInfo: {
            version: ctx.version,
            revision: '',
            branch: '',
            buildUser: 'vigil',
            buildDate: '',
            goVersion: `node ${process.version}`,
          },
          config: { original: redactConfig(ctx.loaded.original) },
          uptime: iso(ctx.startedAt),
        }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/receivers',
      summary: 'List receivers (Alertmanager API v2)',
      tag: 'alertmanager',
      access: 'viewer',
      handler: () => Promise.resolve([{ name: RECEIVER }]),
    }),
  ];
}

/** Hides literal secrets (keys, tokens, passwords) in the config text shown by /api/v2/status. */
export function redactConfig(text: string): string {
  return text.replace(
    /^(\s*-?\s*(?:[\w-]*(?:key|token|secret|password)[\w-]*)\s*:\s*)(?!\{)(\S.*)$/gim,
    '$1<secret>',
  );
}
