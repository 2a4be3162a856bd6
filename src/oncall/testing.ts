import { testConfigText } from '../server/testing.ts';

/**
 * Test fixtures of the on-call runtime (route, CLI and job tests).
 */

/** Users and a daily UTC rotation alice → bob → carol starting Monday 2026-11-23 09:00. */
export const ONCALL_TEST_CONFIG = testConfigText(`users:
  - { id: alice, name: Alice, time_zone: Europe/Berlin }
  - { id: bob, name: Bob, time_zone: America/Chicago }
  - { id: carol, name: Carol }
  - { id: dave, name: Dave }
schedules:
  - id: ml-platform
    name: ML platform
    time_zone: UTC
    layers:
      - name: primary
        rotation: { users: [alice, bob, carol], start: 2026-11-23T09:00, turn: 1d }
`);
