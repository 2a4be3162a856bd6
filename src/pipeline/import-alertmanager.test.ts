import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../config/yaml-source.ts';
import { validatePipelineConfig } from './config.ts';
import { importAlertmanager } from './import-alertmanager.ts';

const am = `global:
  resolve_timeout: 5m
route:
  receiver: team
  group_by: [alertname]
  routes:
    - matchers: [severity="critical"]
      receiver: pager
      mute_time_intervals: [nights]
receivers:
  - name: team
    slack_configs:
      - api_url: https://hooks.slack.example/x
        channel: '#ml'
        title: '{{ .CommonLabels.alertname }}'
  - name: pager
    pagerduty_configs:
      - routing_key: abc
    telegram_configs:
      - bot_token: t
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
time_intervals:
  - name: nights
    time_intervals: [{ times: [{ start_time: '00:00', end_time: '06:00' }] }]
`;

describe('importAlertmanager', () => {
  it('converts what it can and lists the rest with lines', () => {
    const r = importAlertmanager('alertmanager.yml', am);
    expect(r.config['channels']).toEqual([
      { id: 'team-slack-0', type: 'slack', api_url: 'https://hooks.slack.example/x', channel: '#ml' },
      { id: 'pager-pagerduty-0', type: 'pagerduty', routing_key: 'abc' },
    ]);
    expect(r.unmapped.map((i) => `${i.line} ${i.field}`)).toEqual([
      '15 receivers[0].slack_configs[0].title',
      '20 receivers[1].telegram_configs',
      '2 global', // located at the section's value
    ]);
    const src = parseYamlSource('vigil.yaml', r.yaml);
    const issues = validatePipelineConfig(src, src.value, {
      channels: new Set(['team-slack-0', 'pager-pagerduty-0']),
      escalationPolicies: new Set(),
    });
    expect(issues).toEqual([]);
  });
});
