import { stringify } from 'yaml';
import { issueAt, parseYamlSource, type YamlSource } from '../config/yaml-source.ts';
import type { FieldIssue } from '../shared/errors.ts';

/** Per receiver integration: vigil channel type and the fields carried over unchanged. */
const INTEGRATIONS: Record<string, { type: string; fields: string[] }> = {
  webhook_configs: { type: 'webhook', fields: ['url', 'send_resolved', 'max_alerts'] },
  slack_configs: { type: 'slack', fields: ['api_url', 'channel', 'send_resolved'] },
  pagerduty_configs: {
    type: 'pagerduty',
    fields: ['routing_key', 'service_key', 'url', 'severity', 'send_resolved'],
  },
  opsgenie_configs: { type: 'opsgenie', fields: ['api_key', 'api_url', 'priority', 'tags', 'send_resolved'] },
  email_configs: { type: 'email', fields: ['to', 'from', 'smarthost', 'send_resolved'] },
  msteams_configs: { type: 'msteams', fields: ['webhook_url', 'send_resolved'] },
  msteamsv2_configs: { type: 'msteams', fields: ['webhook_url', 'send_resolved'] },
  discord_configs: { type: 'discord', fields: ['webhook_url', 'send_resolved'] },
};

/** Result of converting an alertmanager.yml. */
export interface AlertmanagerImport {
  /** vigil config sections: channels, route, inhibit_rules, time_intervals. */
  config: Record<string, unknown>;
  /** The same as YAML text. */
  yaml: string;
  /** What could not be mapped, with file:line. */
  unmapped: FieldIssue[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function convertRoute(
  src: YamlSource,
  r: Obj,
  path: (string | number)[],
  channels: Map<string, string[]>,
): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'routes' && Array.isArray(v))
      out[k] = v.map((c, i) => (isObj(c) ? convertRoute(src, c, [...path, 'routes', i], channels) : c));
    else out[k] = v;
  }
  if (typeof r['receiver'] === 'string') out['channels'] = channels.get(r['receiver']) ?? [];
  return out;
}

/**
 * Converts an Alertmanager config to vigil config: routes (kept, with `channels` added from their
 * receiver), receivers' webhook/slack/pagerduty/opsgenie/email/msteams/discord integrations as
 * channels, inhibit rules and time intervals (deprecated top-level `mute_time_intervals` become
 * `time_intervals`). Everything else is listed in `unmapped` with file:line.
 */
export function importAlertmanager(file: string, text: string): AlertmanagerImport {
  const src = parseYamlSource(file, text);
  const unmapped: FieldIssue[] = [...src.syntaxIssues];
  const am = isObj(src.value) ? src.value : {};
  const config: Obj = {};
  const channelList: Obj[] = [];
  const byReceiver = new Map<string, string[]>();
  const receivers = Array.isArray(am['receivers']) ? am['receivers'] : [];
  receivers.forEach((rv: unknown, i) => {
    if (!isObj(rv) || typeof rv['name'] !== 'string') return;
    const ids: string[] = [];
    for (const [key, list] of Object.entries(rv)) {
      if (key === 'name') continue;
      const m = INTEGRATIONS[key];
      if (!m || !Array.isArray(list)) {
        unmapped.push(
          issueAt(src, ['receivers', i, key], `receiver integration ${key} is not supported by vigil`),
        );
        continue;
      }
      list.forEach((c: unknown, j) => {
        if (!isObj(c)) return;
        const id = `${rv['name']}-${m.type}-${j}`;
        const ch: Obj = { id, type: m.type };
        for (const [f, v] of Object.entries(c)) {
          if (m.fields.includes(f)) ch[f] = v;
          else
            unmapped.push(
              issueAt(
                src,
                ['receivers', i, key, j, f],
                `${f} is not mapped; set it on channel ${id} by hand`,
              ),
            );
        }
        channelList.push(ch);
        ids.push(id);
      });
    }
    byReceiver.set(rv['name'], ids);
  });
  if (channelList.length) config['channels'] = channelList;
  if (isObj(am['route'])) config['route'] = convertRoute(src, am['route'], ['route'], byReceiver);
  if (am['inhibit_rules'] !== undefined) config['inhibit_rules'] = am['inhibit_rules'];
  const intervals = [
    ...(Array.isArray(am['time_intervals']) ? am['time_intervals'] : []),
    ...(Array.isArray(am['mute_time_intervals']) ? am['mute_time_intervals'] : []),
  ];
  if (intervals.length) config['time_intervals'] = intervals;
  for (const key of Object.keys(am))
    if (!['route', 'receivers', 'inhibit_rules', 'time_intervals', 'mute_time_intervals'].includes(key))
      unmapped.push(issueAt(src, [key], `${key} is not mapped (vigil has no equivalent section)`));
  return { config, yaml: stringify(config), unmapped };
}
