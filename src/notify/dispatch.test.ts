import { describe, expect, it } from 'vitest';
import { makeChannel, sampleIncident } from '../../test/notify/helpers.ts';
import { routeNotifications, userNotifications } from './dispatch.ts';
import { userSchema } from './users.ts';

const channels = new Map(
  [
    makeChannel({ id: 'slack', type: 'slack', token: { env: 'T' }, channel: 'C1' }, { T: 'xoxb-1' }),
    makeChannel(
      { id: 'sms', type: 'sms', account_sid: 'AC1', auth_token: { env: 'T' }, from: '+15550000000' },
      { T: 'tok1' },
    ),
    makeChannel({ id: 'mail', type: 'email', host: '127.0.0.1', from: 'a@example.com' }, {}),
    makeChannel(
      { id: 'pd', type: 'pagerduty', routing_key: { env: 'T' }, fallback: 'slack' },
      { T: 'k'.repeat(32) },
    ),
  ].map((c) => [c.id, c]),
);
const bob = userSchema.parse({
  id: 'bob',
  contact_methods: [
    { id: 'chat', channel: 'slack', target: 'U9' },
    { id: 'phone', channel: 'sms', target: '+15551112222' },
    { id: 'mail', channel: 'mail', target: 'bob@example.com' },
  ],
  notification_rules: {
    high: [{ contact: 'chat' }, { contact: 'phone', after: '2m' }],
    low: [{ contact: 'mail' }],
  },
  fallback: 'mail',
});
const T = Date.parse('2026-01-05T09:00:00Z');

describe('dispatch', () => {
  it('turns a user plan into keyed outbox rows with due times, destinations and fallback', () => {
    const rows = userNotifications(
      { channels },
      {
        user: bob,
        urgency: 'high',
        event: 'triggered',
        view: sampleIncident(),
        timing: { triggeredAt: T },
        now: T,
      },
    );
    expect(rows.map((r) => [r.key, r.destination, r.dueAt - T, r.fallback?.channelId])).toEqual([
      ['INC-7:triggered:bob:chat:0', 'slack:U9', 0, 'mail'],
      ['INC-7:triggered:bob:phone:1', 'sms:+15551112222', 120_000, 'mail'],
    ]);
  });

  it('route notifications use the channel fallback and skip channels with nothing to send', () => {
    const rows = routeNotifications(
      { channels },
      { channelIds: ['pd', 'slack'], event: 'handoff', view: sampleIncident(), dueAt: T },
    );
    expect(rows.map((r) => r.channelId)).toEqual(['slack']);
    const trig = routeNotifications(
      { channels },
      { channelIds: ['pd'], event: 'triggered', view: sampleIncident(), dueAt: T, occurrence: '2' },
    );
    expect(trig[0]).toMatchObject({
      key: 'INC-7:triggered#2:route:pd',
      fallback: { channelId: 'slack', channelType: 'slack' },
    });
  });
});
