import pino from 'pino';
import { loadConfigText } from '../../src/config/load.ts';
import { FakeClock } from '../../src/engine/clock.ts';
import { nextDueAt } from '../../src/engine/jobs.ts';
import { escalationModule, type EscalationModule } from '../../src/escalation/module.ts';
import { getTimeline } from '../../src/incidents/incident-store.ts';
import type { TimelineEvent } from '../../src/incidents/incident.ts';
import { createTestApp, testConfigText, TEST_KEY, type TestApp } from '../../src/server/testing.ts';
import type { Store } from '../../src/store/store.ts';
import { loopbackFetch } from '../fakes/loopback-fetch.ts';
import { afterAll, beforeAll } from 'vitest';
import { FakeSlack } from '../fakes/slack.ts';
import { FakeTwilio } from '../fakes/twilio.ts';

/** Start of every escalation test (a Friday; alice is primary on ml-platform, bob is backup). */
export const T0 = Date.parse('2026-11-27T10:00:00Z');
export const MIN = 60_000;
export const SID = 'AC00000000000000000000000000000001';
export const TW_TOKEN = 'twilio-auth-token-xyz';
export const SLACK_TOKEN = 'xoxb-escalation-test';
/** Slack conversation ids the fake knows. */
export const SLACK_IDS = ['U_ALICE', 'U_BOB', 'U_CAROL', 'C_ML', 'C_DEFAULT'];

/** A fake Slack and a fake Twilio for one test file: started before its tests, stopped after. */
export function startFakePeers(): { slack: FakeSlack; twilio: FakeTwilio } {
  const slack = new FakeSlack(SLACK_TOKEN, new Set(SLACK_IDS));
  const twilio = new FakeTwilio(SID, SID, TW_TOKEN);
  beforeAll(async () => {
    await slack.start();
    await twilio.start();
  });
  afterAll(async () => {
    await slack.stop();
    await twilio.stop();
  });
  return { slack, twilio };
}

const user = (id: string, phone: string, smsAfter: string) => `
  - id: ${id}
    name: ${id}
    contact_methods:
      - { id: slack, channel: slack-bot, target: U_${id.toUpperCase()} }
      - { id: sms, channel: twilio, target: "${phone}" }
    notification_rules:
      high:
        - { contact: slack, after: "0" }
        - { contact: sms, after: ${smsAfter} }`;

/** A config with three users, the ml-platform rotation, channels on the fakes, and `policies`. */
export function configText(slack: FakeSlack, twilio: FakeTwilio, policies: string): string {
  return testConfigText(`users:${user('alice', '+15550000001', '2m')}${user('bob', '+15550000002', '5m')}${user('carol', '+15550000003', '5m')}
teams:
  - { id: ml, name: ML, members: [alice, bob], manager: carol }
schedules:
  - id: ml-platform
    time_zone: UTC
    rotation:
      - { engineer: alice, start: "Fri 09:00", duration: "1 week" }
      - { engineer: bob, start: "Fri 09:00", duration: "1 week" }
    rotation_starting: 2026-11-27
  - id: nobody
    time_zone: UTC
    rotation:
      - { engineer: alice, start: "Mon 09:00", duration: "1 week" }
    rotation_starting: 2027-06-07
channels:
  - id: slack-bot
    type: slack
    token: { env: SLACK_TOKEN }
    channel: C_DEFAULT
    api_url: ${slack.url}/api
  - id: ml-alerts
    type: slack
    token: { env: SLACK_TOKEN }
    channel: C_ML
    api_url: ${slack.url}/api
  - id: twilio
    type: sms
    account_sid: ${SID}
    auth_token: { env: TW_TOKEN }
    from: "+15557654321"
    api_url: ${twilio.url}
escalation_policies:
${policies}`);
}

/** An app with the escalation module wired the way start.ts wires it, over a shared clock. */
export interface Harness {
  t: TestApp;
  mod: EscalationModule;
  clock: FakeClock;
  refused: string[];
  /** Posts one firing alert through the Alertmanager API and returns the incident key. */
  postAlert(alertname?: string): Promise<string>;
  /** One worker pass and one outbox pass. */
  pass(): Promise<void>;
  /** Moves time to `target`, in ≤ 500 ms steps within 2 s of any due job, running passes. */
  walkTo(target: number): Promise<void>;
  timeline(incident: string): Promise<TimelineEvent[]>;
  close(): Promise<void>;
}

/** Builds a harness over `store` (a second one over the same store simulates a restart). */
export async function harness(store: Store, text: string, clock = new FakeClock(T0)): Promise<Harness> {
  const res = loadConfigText('test.yaml', text);
  if (!res.ok) throw new Error(`config invalid: ${JSON.stringify(res.issues)}`);
  const { fetch, refused } = loopbackFetch();
  const mod = escalationModule(res.loaded, {
    clock,
    logger: pino({ level: 'silent' }),
    store,
    fetch,
    secrets: { env: { SLACK_TOKEN, TW_TOKEN }, readFile: () => '' },
  });
  const t = await createTestApp(store, {
    configText: text,
    clock,
    hooks: mod.hooks,
    handlers: mod.handlers,
    extra: mod.routes,
  });
  const pass = async (): Promise<void> => {
    await t.worker.runDue();
    await mod.runner.runOnce();
  };
  return {
    t,
    mod,
    clock,
    refused,
    pass,
    async postAlert(alertname = 'ModelAccuracyLow') {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: { authorization: `Bearer ${TEST_KEY}` },
        payload: [
          {
            labels: { alertname, service: 'fraud', severity: 'critical' },
            annotations: { summary: 'accuracy 0.81 < 0.85' },
            startsAt: new Date(clock.now()).toISOString(),
            endsAt: new Date(clock.now() + 24 * 60 * MIN).toISOString(),
          },
        ],
      });
      if (r.statusCode !== 200) throw new Error(r.body);
      const list = await t.app.inject({
        method: 'GET',
        url: '/api/v1/incidents?status=triggered',
        headers: { authorization: `Bearer ${await t.token('viewer')}` },
      });
      const incidents = (list.json() as { incidents: { id: string }[] }).incidents;
      const id = incidents[0]?.id;
      if (!id) throw new Error('no incident opened');
      return id;
    },
    async walkTo(target) {
      while (clock.now() < target) {
        const next = (await nextDueAt(store.db)) ?? Infinity;
        if (next - clock.now() > 2000) clock.set(Math.min(target, next - 1500));
        else clock.advance(Math.min(500, target - clock.now()));
        await pass();
      }
    },
    async timeline(key) {
      const n = Number(key.replace('INC-', ''));
      const row = await store.db
        .selectFrom('incidents')
        .select('id')
        .where('number', '=', n)
        .executeTakeFirstOrThrow();
      return getTimeline(store.db, row.id);
    },
    async close() {
      await mod.runner.stop();
      await t.close();
    },
  };
}
