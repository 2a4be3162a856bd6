import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../config/yaml-source.ts';
import { validatePipelineConfig } from './config.ts';

const text = `route:
  receiver: default
  channels: [slack-main]
  routes:
    - matchers: ['team=~"(?=ml)"']
      channels: [nope]
      escalation_policy: ghost
      mute_time_intervals: [weekends, holidays]
time_intervals:
  - name: weekends
    time_intervals: [{ weekdays: [saturday, sunday] }]
aggregation_rules:
  - name: High CPU Alerts
    pattern: cpu_usage > 80%
    window_minutes: 15
    min_alerts: 3
    action: create_single_incident
  - name: High CPU Alerts
    pattern: value >
    window_minutes: 5
    action: suppress
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_match_re: { severity: '[' }
`;

describe('validatePipelineConfig', () => {
  it('reports every issue with file, line and field', () => {
    const src = parseYamlSource('vigil.yaml', text);
    const issues = validatePipelineConfig(src, src.value, {
      channels: new Set(['slack-main']),
      escalationPolicies: new Set(['primary']),
    });
    const got = issues.map((i) => `${i.line} ${i.field}: ${i.message.slice(0, 40)}`);
    expect(got).toEqual([
      '5 route.routes[0].matchers[0]: invalid RE2 regular expression "(?=ml)":',
      '6 route.routes[0].channels[0]: unknown channel "nope"',
      '7 route.routes[0].escalation_policy: unknown escalation policy "ghost"',
      '8 route.routes[0].mute_time_intervals[1]: unknown time interval "holidays"',
      '24 inhibit_rules[0].target_match_re.severity: invalid RE2 regular expression "[": erro',
      '19 aggregation_rules[1].pattern: invalid pattern "value >": Unexpected to',
      '18 aggregation_rules[1].name: duplicate name "High CPU Alerts" (first ',
    ]);
    expect(issues.every((i) => i.file === 'vigil.yaml')).toBe(true);
  });
  it('reports schema errors at their place', () => {
    const src = parseYamlSource(
      'v.yaml',
      'route:\n  receiver: r\n  group_wiat: 1s\nflap_detection:\n  min_flaps: 1\n',
    );
    const issues = validatePipelineConfig(src, src.value, {
      channels: new Set(),
      escalationPolicies: new Set(),
    });
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'route.group_wiat'], // the unknown key, reported on the key itself
      [5, 'flap_detection.min_flaps'],
    ]);
  });
});
