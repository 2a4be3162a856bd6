import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../server/testing.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };
const SEC = 1000;
const MIN = 60 * SEC;

/** Alerts by name; each posts `alertname=<name>` plus these labels. */
const ALERTS: Record<string, Record<string, string>> = {
  A: {},
  Src: { severity: 'critical', cluster: 'a' },
  Tgt: { severity: 'warning', cluster: 'a' },
  TgtB: { severity: 'warning', cluster: 'b' },
  N1: { kind: 'node', cluster: 'a' },
  N2: { kind: 'node', cluster: 'a' },
};

type Step =
  | { fire: string[] }
  | { resolve: string[] }
  | { silence: string; on: string; minutes?: number; resolvedOnEnd?: boolean }
  | { expire: string }
  | { wait: number };

interface Case {
  name: string;
  steps: Step[];
  /** Every notification in order of arrival, as `status[alertnames]`, sorted when `anyOrder`. */
  sent: string[];
  anyOrder?: boolean;
}

// Alertmanager's documented semantics (docs/notifications, silences, inhibition; reference notes
// §1), plus vigil's notify_resolved_on_end.
const CASES: Case[] = [
  {
    name: 'a silenced alert sends neither firing nor resolved notifications',
    steps: [
      { silence: 's', on: 'A' },
      { fire: ['A'] },
      { wait: 2 * MIN },
      { resolve: ['A'] },
      { wait: 3 * MIN },
    ],
    sent: [],
  },
  {
    name: 'silencing a notified alert sends nothing (no empty resolved); its resolve during the silence is swallowed',
    steps: [
      { fire: ['A'] },
      { wait: 40 * SEC },
      { silence: 's', on: 'A' },
      { wait: 3 * MIN },
      { resolve: ['A'] },
      { wait: 2 * MIN },
      { expire: 's' },
      { wait: 3 * MIN },
    ],
    sent: ['firing[A]'],
  },
  {
    name: 'notify_resolved_on_end: deleting the silence sends the resolved notice it held back',
    steps: [
      { fire: ['A'] },
      { wait: 40 * SEC },
      { silence: 's', on: 'A', resolvedOnEnd: true },
      { wait: 2 * MIN },
      { resolve: ['A'] },
      { wait: 3 * MIN },
      { expire: 's' },
      { wait: 2 * MIN },
    ],
    sent: ['firing[A]', 'resolved[A]'],
  },
  {
    name: 'notify_resolved_on_end: a silence that runs out sends the held-back resolved notice',
    steps: [
      { fire: ['A'] },
      { wait: 40 * SEC },
      { silence: 's', on: 'A', minutes: 6, resolvedOnEnd: true },
      { wait: MIN },
      { resolve: ['A'] },
      { wait: 4 * MIN },
      { wait: 3 * MIN },
    ],
    sent: ['firing[A]', 'resolved[A]'],
  },
  {
    name: 'notify_resolved_on_end sends nothing for an alert never notified as firing',
    steps: [
      { silence: 's', on: 'A', resolvedOnEnd: true },
      { fire: ['A'] },
      { wait: 2 * MIN },
      { resolve: ['A'] },
      { wait: MIN },
      { expire: 's' },
      { wait: 3 * MIN },
    ],
    sent: [],
  },
  {
    name: 'an inhibited target is notified once its source resolves',
    steps: [{ fire: ['Src', 'Tgt'] }, { wait: 40 * SEC }, { resolve: ['Src'] }, { wait: 2 * MIN }],
    sent: ['firing[Src]', 'firing[Tgt]', 'resolved[Src]'],
    anyOrder: true,
  },
  {
    name: 'equal labels must match: a target in another cluster is not inhibited',
    steps: [{ fire: ['Src', 'TgtB'] }, { wait: 40 * SEC }],
    sent: ['firing[Src]', 'firing[TgtB]'],
    anyOrder: true,
  },
  {
    name: 'alerts matching both sides of a rule do not inhibit each other',
    steps: [{ fire: ['N1', 'N2'] }, { wait: 40 * SEC }],
    sent: ['firing[N1]', 'firing[N2]'],
    anyOrder: true,
  },
  {
    name: 'a silenced source still inhibits its targets',
    steps: [{ silence: 's', on: 'Src' }, { fire: ['Src', 'Tgt'] }, { wait: 2 * MIN }],
    sent: [],
  },
];

describe.each(storeFactories())('silences and inhibition on the live path on $name', (factory) => {
  let store: Store;
  let t: TestApp;
  let hook: FakeWebhookReceiver;
  let net: ReturnType<typeof loopbackFetch>;
  let responder: { authorization: string };

  beforeEach(async () => {
    store = await factory.open();
    hook = await new FakeWebhookReceiver(undefined, () => t.clock.now()).start();
    net = loopbackFetch();
    const configText = testConfigText(
      [
        'channels:',
        `  - { id: hook, type: webhook, url: "${hook.url}/hook", format: alertmanager }`,
        'route:',
        '  receiver: team',
        '  group_by: [alertname]',
        '  group_wait: 30s',
        '  group_interval: 1m',
        '  channels: [hook]',
        'inhibit_rules:',
        '  - source_matchers: [severity="critical"]',
        '    target_matchers: [severity="warning"]',
        '    equal: [cluster]',
        '  - source_matchers: [kind="node"]',
        '    target_matchers: [kind="node"]',
        '    equal: [cluster]',
        '',
      ].join('\n'),
    );
    t = await createTestApp(store, { configText, full: { fetch: net.fetch } });
    responder = { authorization: `Bearer ${await t.token('responder')}` };
  });
  afterEach(async () => {
    await t.close();
    await hook.stop();
    await store.close();
    expect(net.refused).toEqual([]);
  });

  const tick = async (ms: number): Promise<void> => {
    for (let done = 0; done < ms; done += 10 * SEC) {
      t.clock.advance(10 * SEC);
      await t.worker.runDue();
      await t.runner?.runOnce();
    }
  };
  const post = async (names: string[], resolved: boolean): Promise<void> => {
    const now = t.clock.now();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: key,
      payload: names.map((n) => ({
        labels: { alertname: n, ...ALERTS[n] },
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + (resolved ? 0 : 3_600_000)).toISOString(),
      })),
    });
    expect(res.statusCode).toBe(200);
  };

  it.each(CASES)('$name', async (c) => {
    const silences = new Map<string, string>();
    for (const s of c.steps) {
      if ('fire' in s) await post(s.fire, false);
      else if ('resolve' in s) await post(s.resolve, true);
      else if ('wait' in s) await tick(s.wait);
      else if ('silence' in s) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/silences',
          headers: responder,
          payload: {
            matchers: [`alertname="${s.on}"`],
            duration: `${s.minutes ?? 60}m`,
            comment: c.name,
            notify_resolved_on_end: s.resolvedOnEnd ?? false,
          },
        });
        expect(res.statusCode).toBe(201);
        silences.set(s.silence, res.json<{ id: string }>().id);
      } else {
        const res = await t.app.inject({
          method: 'DELETE',
          url: `/api/v1/silences/${silences.get(s.expire)}`,
          headers: responder,
        });
        expect(res.statusCode).toBe(200);
      }
    }
    const sent = hook.received.map((r) => {
      const b = r.body as { status: string; alerts: Array<{ labels: Record<string, string> }> };
      return `${b.status}[${b.alerts.map((a) => a.labels['alertname']).join(',')}]`;
    });
    expect(c.anyOrder ? sent.sort() : sent).toEqual(c.anyOrder ? [...c.sent].sort() : c.sent);
  });
});
