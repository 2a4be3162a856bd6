import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../config/yaml-source.ts';
import { normalizePolicy } from '../escalation/policy.ts';
import { normalizeSchedule } from './normalize.ts';
import { parseOncallSections, validateOncallConfig } from './validate-config.ts';

const GOOD = `users:
  - { id: alice, name: Alice, email: alice@example.com, time_zone: America/Chicago }
  - { id: bob, name: Bob }
  - { id: charlie, name: Charlie }
  - { id: carol, name: Carol }
  - { id: dave, name: Dave }
teams:
  - { id: ml, name: ML, members: [alice, bob, charlie], manager: carol }
schedules:
  - id: ml-platform
    time_zone: America/Chicago
    layers:
      - name: primary
        rotation:
          users: [alice, bob, charlie]
          start: 2026-01-05T09:00
          turn: 1w
        restrictions:
          - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00" }
    overrides:
      - { user: dave, start: 2026-12-24T00:00, end: 2026-12-27T00:00, replaces: alice }
  - id: seed
    time_zone: Europe/Berlin
    rotation:
      - { engineer: alice, start: "Mon 09:00", duration: "1 week" }
      - { engineer: bob, start: "Mon 09:00", duration: "1 week" }
    manager: carol
escalation_policies:
  - id: ml-team-escalation
    levels:
      - { after_minutes: 0,  notify: [schedule:ml-platform] }
      - { after_minutes: 15, notify: [schedule:ml-platform:backup] }
      - { after_minutes: 30, notify: [user:carol, team:ml:manager] }
    repeat: 2
    ack_timeout_minutes: 30
`;

describe('validateOncallConfig', () => {
  it('accepts the documented example and normalises it', () => {
    const src = parseYamlSource('vigil.yaml', GOOD);
    expect(src.syntaxIssues).toEqual([]);
    const { sections, issues } = parseOncallSections(src, src.value);
    expect(issues).toEqual([]);
    expect(sections.schedules.map((s) => normalizeSchedule(s).layers.length)).toEqual([1, 1]);
    expect(normalizePolicy(sections.escalationPolicies[0]!).roundMinutes).toBe(60);
  });

  it('reports every problem with file, line and field', () => {
    const BAD = `users:
  - { id: alice, name: Alice }
  - { id: alice, name: Again }
schedules:
  - id: s1
    time_zone: Mars/Olympus
    layers:
      - name: primary
        rotation: { users: [alice, ghost], start: 2026-01-05T09:00, turn: 1w }
        restrictions:
          - { from: "09:00", to: "09:00" }
    overrides:
      - { user: alice, start: 2026-01-06T00:00, end: 2026-01-07T00:00 }
      - { user: alice, start: 2026-01-06T12:00, end: 2026-01-08T00:00 }
  - id: s1
    time_zone: UTC
    layers: [{ name: x, rotation: { users: [alice], start: nope, turn: 1 fortnight } }]
escalation_policies:
  - id: p
    levels:
      - { after_minutes: 0, notify: [schedule:missing, user:alice, team:none] }
`;
    const src = parseYamlSource('oncall.yaml', BAD);
    const issues = validateOncallConfig(src, src.value);
    const lines = issues.map((i) => `${i.line} ${i.field}: ${i.message}`);
    expect(lines).toEqual([
      '17 schedules[1].layers[0].rotation.start: expected a date-time like 2026-01-05T09:00',
      '17 schedules[1].layers[0].rotation.turn: expected a turn like 1h, 12h, 1d, 1w',
      '3 users[1].id: duplicate id alice (first at users[0])',
      '6 schedules[0].time_zone: unknown time zone Mars/Olympus (use an IANA name like America/Chicago)',
      '9 schedules[0].layers[0].rotation.users[1]: unknown user ghost',
      '11 schedules[0].layers[0].restrictions[0].to: a restriction cannot end when it starts (use 00:00 to 24:00 for all day)',
      '14 schedules[0].overrides[1]: overlaps overrides[0] for the same user alice',
      '21 escalation_policies[0].levels[0].notify[0]: target schedule:missing does not exist',
      '21 escalation_policies[0].levels[0].notify[2]: target team:none does not exist',
    ]);
    expect(issues.every((i) => i.file === 'oncall.yaml' && (i.column ?? 0) > 0)).toBe(true);
  });

  it('flags unknown keys (strict schemas) and misordered levels', () => {
    const src = parseYamlSource(
      'x.yaml',
      `escalation_policies:
  - id: p
    levles: []
    levels:
      - { after_minutes: 10, notify: [channel:ops] }
      - { after_minutes: 5, notify: [channel:ops] }
`,
    );
    const fields = validateOncallConfig(src, src.value, { channels: new Set(['ops']) }).map((i) => i.field);
    expect(fields).toEqual([
      'escalation_policies[0].levles',
      'escalation_policies[0].levels[1].after_minutes',
    ]);
  });
});
