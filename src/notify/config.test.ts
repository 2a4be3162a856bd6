import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../config/yaml-source.ts';
import { loadNotifyChannels, parseNotifyConfig, validateNotifyConfig } from './config.ts';

const GOOD = `
channels:
  - id: slack-oncall
    type: slack
    token: { env: SLACK_TOKEN }
    channel: C0123456789
  - id: pd
    type: pagerduty
    routing_key: { file: /run/secrets/pd }
  - id: twilio
    type: sms
    account_sid: AC123
    auth_token: { env: TWILIO_TOKEN }
    from: "+15557654321"
  - id: mail
    type: email
    host: smtp.example.com
    from: alerts@example.com
    fallback: slack-oncall
users:
  - id: alice
    time_zone: Europe/Berlin
    quiet_hours: { start: "22:00", end: "07:00" }
    contact_methods:
      - { id: slack, channel: slack-oncall, target: U123 }
      - { id: sms, channel: twilio, target: "+15551234567" }
      - { id: email, channel: mail, target: alice@example.com }
    notification_rules:
      high:
        - { contact: slack, after: 0m }
        - { contact: sms, after: 2m }
        - { contact: email, after: 5m }
      low:
        - { contact: email }
    fallback: email
templates:
  slack:
    triggered:
      title: ":rotating_light: {{ incident.title }} ({{ incident.labels.cluster | default \\"?\\" }})"
notifications:
  urgency: { medium: high }
`;

describe('notification config', () => {
  it('accepts a full example', () => {
    const src = parseYamlSource('vigil.yaml', GOOD);
    expect(validateNotifyConfig(src, src.value)).toEqual([]);
    expect(parseNotifyConfig(src.value).notifications.urgency).toEqual({ medium: 'high' });
  });

  it('reads notifications.payload_retention (default 1h) and names a bad one', () => {
    const src = parseYamlSource('vigil.yaml', GOOD);
    expect(parseNotifyConfig(src.value).notifications.payload_retention).toBe(3_600_000);
    const set = parseYamlSource(
      'vigil.yaml',
      GOOD.replace('  urgency: { medium: high }', '  urgency: { medium: high }\n  payload_retention: 2d'),
    );
    expect(validateNotifyConfig(set, set.value)).toEqual([]);
    expect(parseNotifyConfig(set.value).notifications.payload_retention).toBe(2 * 86_400_000);
    for (const [value, message] of [
      ['soon', 'not a duration'],
      ['100d', 'at most 90d'],
    ]) {
      const bad = parseYamlSource(
        'vigil.yaml',
        GOOD.replace(
          '  urgency: { medium: high }',
          `  urgency: { medium: high }\n  payload_retention: ${value}`,
        ),
      );
      const issues = validateNotifyConfig(bad, bad.value);
      expect(issues.map((i) => i.field)).toEqual(['notifications.payload_retention']);
      expect(issues[0]?.message).toContain(message);
    }
  });

  it('reports every issue at once, located, including template errors', () => {
    const bad = GOOD.replace('channel: C0123456789', 'channel: C0123456789\n    colour: red')
      .replace('{ contact: sms, after: 2m }', '{ contact: pager, after: 2m }')
      .replace('{{ incident.title }}', '{{ incident.titel }}')
      .replace('fallback: slack-oncall', 'fallback: nowhere');
    const src = parseYamlSource('vigil.yaml', bad);
    const strict = validateNotifyConfig(src, src.value);
    expect(strict.map((i) => i.field)).toEqual(['channels[0].colour']);
    expect(strict[0]?.message).toMatch(/colour/);
    const src2 = parseYamlSource('vigil.yaml', bad.replace('\n    colour: red', ''));
    const issues = validateNotifyConfig(src2, src2.value);
    expect(issues.map((i) => [i.field, i.line])).toEqual([
      ['channels[3].fallback', 19],
      ['users[0].notification_rules.high[1].contact', 31],
      ['templates.slack.triggered.title', 39],
    ]);
    expect(issues[2]?.message).toContain('unknown variable "incident.titel"');
  });

  it('resolves secrets at load time; a missing one is an issue naming the field, not a value', () => {
    const cfg = parseNotifyConfig(parseYamlSource('v.yaml', GOOD).value);
    const loaded = loadNotifyChannels(cfg, {
      env: { SLACK_TOKEN: 'xoxb-1234' },
      readFile: (p) => (p === '/run/secrets/pd' ? 'R0123456789abcdef0123456789abcde\n' : ''),
    });
    expect([...loaded.channels.keys()]).toEqual(['slack-oncall', 'pd', 'mail']);
    expect(loaded.issues).toEqual([
      { field: 'channels.twilio.auth_token', message: 'environment variable TWILIO_TOKEN is not set' },
    ]);
    expect(loaded.redactor.redact('token xoxb-1234 key R0123456789abcdef0123456789abcde')).toBe(
      'token [REDACTED] key [REDACTED]',
    );
    for (const c of loaded.channels.values()) c.close();
  });
});
