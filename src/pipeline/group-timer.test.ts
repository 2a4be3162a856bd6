import { describe, expect, it } from 'vitest';
import {
  decideFlush,
  dedupReason,
  idleWakeAt,
  nextFlushAt,
  type GroupState,
  type GroupTimerOptions,
} from './group-timer.ts';

const opts: GroupTimerOptions = {
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
};
const T = 1_000_000_000_000;

describe('nextFlushAt', () => {
  it('waits group_wait for a fresh group, group_interval after a flush', () => {
    expect(nextFlushAt({ createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T }] }, opts)).toBe(T + 30_000);
    expect(nextFlushAt({ createdAt: T, alerts: [], lastFlushAt: T + 30_000 }, opts)).toBe(T + 330_000);
  });
  it('flushes at once when the creating alert is older than group_wait', () => {
    const s: GroupState = { createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T - 60_000 }] };
    expect(nextFlushAt(s, opts)).toBe(T);
    expect(nextFlushAt(s, { ...opts, groupWaitMs: 0 })).toBe(T);
  });
  it('an old alert joining later pulls the first flush forward to its arrival', () => {
    const s: GroupState = {
      createdAt: T,
      alerts: [
        { fingerprint: 'a', startsAt: T },
        { fingerprint: 'b', startsAt: T - 120_000, receivedAt: T + 10_000 },
      ],
    };
    expect(nextFlushAt(s, opts)).toBe(T + 10_000);
  });
});

describe('dedupReason (nflog)', () => {
  const entry = { at: T, firing: ['a', 'b'], resolved: ['c'] };
  it.each([
    ['no entry, firing', undefined, ['a'], [], true, 'first notification'],
    ['no entry, only resolved', undefined, [], ['a'], true, undefined],
    ['new firing alert', entry, ['a', 'd'], [], true, 'new alerts added'],
    ['firing shrank, nothing new', entry, ['a'], ['c'], true, undefined],
    ['firing shrank, new resolved', entry, ['a'], ['b', 'c'], true, 'some alerts resolved'],
    ['new resolved without send_resolved', entry, ['a'], ['b'], false, undefined],
    ['all resolved', entry, [], ['a', 'b'], true, 'all alerts resolved'],
    ['all resolved, send_resolved off still logs', entry, [], ['a', 'b'], false, 'all alerts resolved'],
    [
      'all resolved, last had none firing',
      { at: T, firing: [], resolved: ['x'] },
      [],
      ['y'],
      true,
      undefined,
    ],
  ] as const)('%s', (_n, e, firing, resolved, sr, want) => {
    expect(dedupReason(e, firing, resolved, sr, opts.repeatIntervalMs, T + 1000)).toBe(want);
  });
  it('repeat interval elapsed only strictly after repeat_interval', () => {
    expect(dedupReason(entry, ['a'], [], true, 1000, T + 1000)).toBeUndefined();
    expect(dedupReason(entry, ['a'], [], true, 1000, T + 1001)).toBe('repeat interval elapsed');
  });
});

describe('decideFlush', () => {
  it('is not due before group_wait and tells when to come back', () => {
    const d = decideFlush({ createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T }] }, opts, T + 1000);
    expect(d).toMatchObject({ due: false, notify: false, nextCheckAt: T + 30_000 });
  });

  it('walks a group through its life', () => {
    let s: GroupState = { createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T }] };
    let now = T + 30_000;
    let d = decideFlush(s, opts, now);
    expect(d).toMatchObject({
      notify: true,
      deliver: true,
      reason: 'first notification',
      nextCheckAt: now + 300_000,
    });
    s = {
      ...s,
      lastFlushAt: now,
      lastNotification: d.logEntry,
      alerts: [...s.alerts, { fingerprint: 'b', startsAt: now }],
    };
    now += 300_000;
    d = decideFlush(s, opts, now);
    expect(d).toMatchObject({ notify: true, reason: 'new alerts added', firing: ['a', 'b'] });
    s = { ...s, lastFlushAt: now, lastNotification: d.logEntry };
    // nothing changes for several ticks: silent until the repeat interval (rounded up to a tick)
    let ticks = 0;
    for (;;) {
      now += 300_000;
      ticks++;
      d = decideFlush(s, opts, now);
      s = { ...s, lastFlushAt: now };
      if (d.notify) break;
      expect(d.skipped).toBe('no change');
    }
    expect(d.reason).toBe('repeat interval elapsed');
    expect(ticks).toBe(49); // 4h = 48 ticks of 5m; "before now - repeat" is strict, so the 49th
    s = {
      ...s,
      lastNotification: d.logEntry,
      alerts: [
        { fingerprint: 'a', startsAt: T, endsAt: now + 1 },
        { fingerprint: 'b', startsAt: T },
      ],
    };
    now += 300_000;
    d = decideFlush(s, opts, now);
    expect(d).toMatchObject({ notify: true, reason: 'some alerts resolved', remove: ['a'], destroy: false });
    s = {
      ...s,
      lastFlushAt: now,
      lastNotification: d.logEntry,
      alerts: [{ fingerprint: 'b', startsAt: T, endsAt: now + 1 }],
    };
    now += 300_000;
    d = decideFlush(s, { ...opts, sendResolved: false }, now);
    expect(d).toMatchObject({ notify: true, deliver: false, reason: 'all alerts resolved', destroy: true });
    expect(d.nextCheckAt).toBeUndefined();
  });

  it('never notifies an alert resolved within group_wait', () => {
    const s: GroupState = { createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T, endsAt: T + 10_000 }] };
    const d = decideFlush(s, opts, T + 30_000);
    expect(d).toMatchObject({ due: true, notify: false, destroy: true, remove: ['a'] });
    expect(d.skipped).toBe('only resolved, never notified');
  });

  it('a muted route drops resolved alerts but neither notifies nor logs', () => {
    const s: GroupState = { createdAt: T, alerts: [{ fingerprint: 'a', startsAt: T }] };
    const d = decideFlush(s, { ...opts, muted: true }, T + 30_000);
    expect(d).toMatchObject({ notify: false, skipped: 'muted', nextCheckAt: T + 330_000 });
    expect(d.logEntry).toBeUndefined();
  });

  it('idleWakeAt: the first tick of the grid at or after the earliest endsAt, or strictly after the repeat interval', () => {
    const o = {
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 4 * 3_600_000,
      sendResolved: true,
    };
    const forever = 1e15;
    // endsAt at 12 min after a flush at 0: ticks at 5, 10, 15 min → 15 min.
    expect(idleWakeAt(0, [720_000, 3_600_000], 0, o, forever)).toBe(900_000);
    // endsAt exactly on a tick is that tick (resolved when endsAt <= now).
    expect(idleWakeAt(0, [600_000], 0, o, forever)).toBe(600_000);
    // Nothing ends: the repeat interval, strictly after (4 h is itself a tick, so 4 h 5 min).
    expect(idleWakeAt(0, [], 0, o, forever)).toBe(4 * 3_600_000 + 300_000);
    // Never less than one tick ahead.
    expect(idleWakeAt(1000, [0], undefined, o, forever)).toBe(301_000);
  });

  it('nextFlushAt: a group that slept wakes at the next tick of its grid, never in the past', () => {
    const o = {
      groupWaitMs: 30_000,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 3_600_000,
      sendResolved: true,
    };
    const state = { createdAt: 0, lastFlushAt: 30_000, alerts: [] };
    expect(nextFlushAt(state, o)).toBe(330_000);
    expect(nextFlushAt(state, o, 100_000)).toBe(330_000);
    expect(nextFlushAt(state, o, 991_000)).toBe(1_230_000);
    expect(nextFlushAt(state, o, 930_000)).toBe(930_000);
  });
});
