import { describe, expect, it } from 'vitest';
import { afterQuietHours, planUserNotifications, userSchema } from './users.ts';
import { DEFAULT_URGENCY, urgencyOf } from './urgency.ts';

const alice = userSchema.parse({
  id: 'alice',
  time_zone: 'America/New_York',
  quiet_hours: { start: '22:00', end: '07:00' },
  contact_methods: [
    { id: 'slack', channel: 'slack', target: 'U1' },
    { id: 'sms', channel: 'sms', target: '+15551234567' },
    { id: 'email', channel: 'mail', target: 'a@example.com' },
  ],
  notification_rules: {
    high: [
      { contact: 'slack', after: '0' },
      { contact: 'sms', after: '2m' },
      { contact: 'email', after: '5m' },
    ],
    low: [{ contact: 'email' }],
  },
});
const T = Date.parse('2026-01-05T15:00:00Z'); // 10:00 in New York

describe('user notification rules', () => {
  it('maps severity to urgency with a documented default', () => {
    expect(DEFAULT_URGENCY).toEqual({ critical: 'high', high: 'high', medium: 'low', low: 'low' });
    expect(urgencyOf('medium', { medium: 'high' })).toBe('high');
  });

  it('high urgency: slack now, sms after 2 min, email after 5 min', () => {
    const plan = planUserNotifications(alice, 'high', { triggeredAt: T }, T + 60_000);
    expect(plan.map((p) => [p.contactMethod, p.dueAt - T, p.due])).toEqual([
      ['slack', 0, true],
      ['sms', 120_000, false],
      ['email', 300_000, false],
    ]);
  });

  it('drops steps that fall after the acknowledgement', () => {
    const plan = planUserNotifications(
      alice,
      'high',
      { triggeredAt: T, acknowledgedAt: T + 90_000 },
      T + 90_000,
    );
    expect(plan.map((p) => p.contactMethod)).toEqual(['slack']);
  });

  it('low urgency is held during quiet hours in the user time zone; high is not', () => {
    const night = Date.parse('2026-01-06T04:30:00Z'); // 23:30 in New York
    const low = planUserNotifications(alice, 'low', { triggeredAt: night }, night);
    expect(new Date(low[0]?.dueAt ?? 0).toISOString()).toBe('2026-01-06T12:00:00.000Z'); // 07:00 EST
    expect(low[0]?.heldForQuietHours).toBe(true);
    expect(planUserNotifications(alice, 'high', { triggeredAt: night }, night)[0]?.dueAt).toBe(night);
    expect(afterQuietHours(T, alice)).toBe(T);
  });
});
