import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWebhookReceiver } from '../../test/fakes/webhook-receiver.ts';
import { loopbackFetch } from '../../test/fakes/loopback-fetch.ts';
import { createTestApp, TEST_KEY, testConfigText, type TestApp } from '../server/testing.ts';
import type { Store } from '../store/store.ts';
import { storeFactories } from '../store/testing.ts';

const key = { authorization: `Bearer ${TEST_KEY}` };
const SEC = 1000;
const MIN = 60 * SEC;

interface V4 {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}
interface Inc {
  id: string;
  title: string;
  status: string;
  alerts?: Array<{ fingerprint: string }>;
  timeline?: Array<{ type: string; data: Record<string, unknown> }>;
}

describe.each(storeFactories())(
  'aggregation rules and flap detection on the live path on $name',
  (factory) => {
    let store: Store;
    let t: TestApp;
    let hook: FakeWebhookReceiver;
    let net: ReturnType<typeof loopbackFetch>;
    let viewer: { authorization: string };

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
          'aggregation_rules:',
          '  - name: Transient Errors',
          '    pattern: error_rate < 5%',
          '    window_minutes: 5',
          '    action: suppress',
          '  - name: Probes',
          '    pattern: \'"probe" in labels\'',
          '    window_minutes: 10',
          '    action: delay',
          '    delay_minutes: 3',
          '  - name: High CPU',
          '    pattern: cpu_usage > 80%',
          '    window_minutes: 15',
          '    min_alerts: 3',
          '    action: create_single_incident',
          'flap_detection: { window_minutes: 30, min_flaps: 3, settle_minutes: 20 }',
          '',
        ].join('\n'),
      );
      t = await createTestApp(store, { configText, full: { fetch: net.fetch } });
      viewer = { authorization: `Bearer ${await t.token('viewer')}` };
    });
    afterEach(async () => {
      await t.close();
      await hook.stop();
      await store.close();
      expect(net.refused).toEqual([]);
    });

    const tick = async (ms: number, step = 10 * SEC): Promise<void> => {
      for (let done = 0; done < ms; done += step) {
        t.clock.advance(step);
        await t.worker.runDue();
        await t.runner?.runOnce();
      }
    };
    const post = async (
      labels: Record<string, string>,
      opts: { resolved?: boolean; value?: string; startsAt?: number } = {},
    ) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v2/alerts',
        headers: key,
        payload: [
          {
            labels,
            annotations: opts.value !== undefined ? { value: opts.value } : {},
            startsAt: new Date(opts.startsAt ?? t.clock.now()).toISOString(),
            endsAt: new Date(t.clock.now() + (opts.resolved ? 0 : 3_600_000)).toISOString(),
          },
        ],
      });
      expect(res.statusCode).toBe(200);
      await t.worker.runDue();
    };
    const incidents = async (): Promise<Inc[]> =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: viewer })).json<{
        incidents: Inc[];
      }>().incidents;
    const show = async (id: string): Promise<Inc> =>
      (await t.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: viewer })).json<Inc>();
    const noise = async (): Promise<Array<{ state: string; rule: string | null; flapCount: number }>> =>
      (await t.app.inject({ method: 'GET', url: '/api/v1/noise', headers: viewer })).json<{
        alerts: Array<{ state: string; rule: string | null; flapCount: number }>;
      }>().alerts;
    const bodies = () => hook.received.map((r) => r.body as V4);

    it('suppress: the alert is stored and recorded, but opens no incident and pages nobody', async () => {
      await post({ alertname: 'error_rate', service: 'api' }, { value: '2%' });
      await tick(2 * MIN);
      expect(await incidents()).toEqual([]);
      expect(hook.received).toHaveLength(0);
      expect(await noise()).toMatchObject([{ state: 'suppressed', rule: 'Transient Errors' }]);
      const alerts = await t.app.inject({ method: 'GET', url: '/api/v1/alerts', headers: viewer });
      expect(alerts.json<{ alerts: unknown[] }>().alerts).toHaveLength(1);
      // Above the threshold the rule does not match: normal incident.
      await post({ alertname: 'error_rate', service: 'web' }, { value: '9' });
      expect(await incidents()).toHaveLength(1);
    });

    it('delay: nothing until the alert has fired for delay_minutes, then it opens its incident and pages', async () => {
      await post({ alertname: 'ProbeFailed', probe: 'synthetic' });
      await tick(2 * MIN + 50 * SEC);
      expect(await incidents()).toEqual([]);
      expect(hook.received).toHaveLength(0);
      expect(await noise()).toMatchObject([{ state: 'delayed', rule: 'Probes' }]);
      await tick(10 * SEC); // 3 min: the durable re-check opens the incident
      expect(await incidents()).toHaveLength(1);
      await tick(30 * SEC); // group_wait
      expect(bodies().map((b) => b.status)).toEqual(['firing']);
      expect(await noise()).toMatchObject([{ state: 'paged' }]);
    });

    it('delay: an alert that resolves within the delay is a transient that never paged', async () => {
      await post({ alertname: 'ProbeFailed', probe: 'synthetic' });
      await tick(MIN);
      await post({ alertname: 'ProbeFailed', probe: 'synthetic' }, { resolved: true });
      await tick(5 * MIN);
      expect(await incidents()).toEqual([]);
      expect(hook.received).toHaveLength(0);
      expect(await noise()).toMatchObject([{ state: 'transient', rule: 'Probes' }]);
    });

    it('create_single_incident: waits for min_alerts within the window, then one incident for all', async () => {
      await post({ alertname: 'cpu_usage', host: 'a' }, { value: '91' });
      await tick(2 * MIN);
      await post({ alertname: 'cpu_usage', host: 'b' }, { value: '95' });
      await tick(2 * MIN);
      expect(await incidents()).toEqual([]);
      expect((await noise()).map((n) => n.state)).toEqual(['held', 'held']);
      await post({ alertname: 'cpu_usage', host: 'c' }, { value: '85' });
      const [inc, ...rest] = await incidents();
      expect(rest).toEqual([]);
      expect(inc?.title).toBe('High CPU');
      expect((await show(inc?.id ?? '')).alerts).toHaveLength(3);
      await tick(40 * SEC);
      expect(bodies()).toHaveLength(1);
      expect(bodies()[0]?.alerts).toHaveLength(3);
      // A later match joins the same incident.
      await post({ alertname: 'cpu_usage', host: 'd' }, { value: '99' });
      expect(await incidents()).toHaveLength(1);
      expect((await show(inc?.id ?? '')).alerts).toHaveLength(4);
    });

    it('create_single_incident: a held alert whose window closes below min_alerts is released to routing', async () => {
      await post({ alertname: 'cpu_usage', host: 'a' }, { value: '91' });
      await tick(14 * MIN);
      expect(await incidents()).toEqual([]);
      await tick(MIN + 40 * SEC);
      const list = await incidents();
      expect(list).toHaveLength(1);
      expect(list[0]?.title).toBe('cpu_usage');
      expect(await noise()).toMatchObject([{ state: 'released' }]);
      expect(bodies()).toHaveLength(1);
    });

    it('flapping: paged once, re-fires attached with the flap count, pages again after settling', async () => {
      const labels = { alertname: 'DiskFlap', service: 'storage' };
      await post(labels);
      await tick(40 * SEC);
      expect(bodies().map((b) => b.status)).toEqual(['firing']);
      for (let i = 0; i < 3; i++) {
        await tick(MIN);
        await post(labels, { resolved: true });
        await tick(2 * MIN);
        await post(labels);
        await tick(MIN);
      }
      const list = await incidents();
      expect(list).toHaveLength(1);
      const tl = (await show(list[0]?.id ?? '')).timeline ?? [];
      const flaps = tl.filter((e) => e.type === 'alert.flapping').map((e) => e.data);
      expect(flaps.map((d) => d['flapCount'])).toEqual([2, 3, 4]);
      expect(flaps.map((d) => d['flapping'])).toEqual([false, true, true]);
      // One firing page and its resolved notice; the re-fires paged nobody.
      expect(bodies().map((b) => b.status)).toEqual(['firing', 'resolved']);
      expect(await noise()).toMatchObject([{ state: 'flapping', flapCount: 4 }]);

      // Quiet for settle_minutes: still firing steadily, so it pages again as a new incident.
      await tick(21 * MIN, 30 * SEC);
      expect(await incidents()).toHaveLength(2);
      expect(bodies().filter((b) => b.status === 'firing')).toHaveLength(2);
    });
  },
);
