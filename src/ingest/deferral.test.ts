import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.ts';
import { batchAlerts, groupedOf, type AlertBatch, type GroupedAlerts } from './alert-batch.ts';
import { Deferral, deferralOf, OFF } from './deferral.ts';

const alert = (name: string, n: number): Alert => ({
  fingerprint: `${name}-${n}`,
  labels: { alertname: name, instance: String(n) },
  annotations: {},
  startsAt: 0,
  endsAt: 1,
  timeout: false,
  updatedAt: 0,
  generatorURL: '',
  source: 't',
});
/** A request's batch, grouped by alertname. */
const batch = (...alerts: Alert[]): GroupedAlerts => groupedOf(alerts, (l) => l['alertname'] ?? '');
const fps = (b: AlertBatch): string[] => (b.count === 0 ? [] : batchAlerts(b).map((a) => a.fingerprint));

describe('Deferral', () => {
  it('puts the alerts of groups not seen before first, the others aside, each in order', () => {
    const d = new Deferral({}, 1000);
    const one = d.split([batch(alert('A', 1), alert('B', 1)), batch(alert('A', 2))]);
    expect(fps(one.first)).toEqual(['A-1', 'B-1', 'A-2']);
    expect(one.rest.count).toBe(0);
    // A mixed request is split; a request wholly of one kind is kept whole.
    const two = d.split([batch(alert('A', 3), alert('C', 1), alert('B', 2)), batch(alert('D', 1))]);
    expect(fps(two.first)).toEqual(['C-1', 'D-1']);
    expect(fps(two.rest)).toEqual(['A-3', 'B-2']);
  });

  it('follows server.ingest_queue: storm_rate 0 turns waiting off, every alert in arrival order', () => {
    const off = deferralOf({ stormRate: 0, stormMaxWaitMs: 5000, maxQueued: 1000 });
    off.split([batch(alert('A', 1))]);
    off.arrived(1_000_000);
    const again = off.split([batch(alert('A', 2), alert('B', 1))]);
    expect(fps(again.first)).toEqual(['A-2', 'B-1']);
    expect(again.rest.count).toBe(0);
    expect(new Deferral({ deferAboveRate: OFF }, 1000).ready()).toBe(true);
    // storm_max_wait bounds the wait (here 0 against a minute, with waiting always on).
    for (const [stormMaxWaitMs, ready] of [
      [60_000, false],
      [0, true],
    ] as const) {
      const on = deferralOf({ stormRate: 10_000, stormMaxWaitMs, maxQueued: 1000 }, { deferAboveRate: 0 });
      on.split([batch(alert('A', 1))]);
      const later = on.split([batch(alert('A', 2))]);
      expect(fps(later.rest)).toEqual(['A-2']);
      on.journaled(later.rest.count);
      expect(on.ready()).toBe(ready);
    }
  });

  it('remembers at most maxSeenGroups, and forgets them only when nothing waits', () => {
    const d = new Deferral({ maxSeenGroups: 2, deferAboveRate: 0, maxWaitMs: 60_000 }, 1000);
    const one = d.split([batch(alert('A', 1), alert('B', 1), alert('C', 1))]);
    expect(fps(one.first)).toEqual(['A-1', 'B-1']);
    expect(fps(one.rest)).toEqual(['C-1']);
    d.journaled(one.rest.count);
    // Full and something waits: even a group never seen waits, so it cannot overtake C's alert.
    const two = d.split([batch(alert('D', 1), alert('C', 2))]);
    expect(two.first.count).toBe(0);
    expect(fps(two.rest)).toEqual(['D-1', 'C-2']);
    d.journaled(two.rest.count);
    d.applied(3);
    // Nothing waits: the set is cleared and new groups go first again.
    const three = d.split([batch(alert('E', 1), alert('A', 2))]);
    expect(fps(three.first)).toEqual(['E-1', 'A-2']);
  });

  it('lets what waits go when it is not under pressure, has waited enough, or is too much', () => {
    expect(new Deferral({ deferAboveRate: 0 }, 1000).ready()).toBe(true); // nothing waits
    const pressed = new Deferral({ deferAboveRate: 0, maxWaitMs: 60_000 }, 1000);
    pressed.journaled(10);
    expect(pressed.ready()).toBe(false);
    pressed.applied(10);
    expect(pressed.ready()).toBe(true);
    const slowArrivals = new Deferral({ deferAboveRate: 1e12, maxWaitMs: 60_000 }, 1000);
    slowArrivals.arrived(64);
    slowArrivals.journaled(64);
    expect(slowArrivals.ready()).toBe(true);
    const fastArrivals = new Deferral({ deferAboveRate: 1, maxWaitMs: 60_000 }, 1000);
    fastArrivals.arrived(64);
    fastArrivals.journaled(64);
    expect(fastArrivals.ready()).toBe(false);
    // A wave of first pages on its way: what waits keeps waiting though alerts arrive slowly
    // (the intake gate slows them), within the same bounds.
    expect(slowArrivals.ready(true)).toBe(false);
    const waitedEnough = new Deferral({ deferAboveRate: 0, maxWaitMs: 0 }, 1000);
    waitedEnough.journaled(1);
    expect(waitedEnough.ready()).toBe(true);
    expect(waitedEnough.ready(true)).toBe(true);
    const tooMuch = new Deferral({ deferAboveRate: 0, maxWaitMs: 60_000 }, 100);
    tooMuch.journaled(50);
    expect(tooMuch.ready()).toBe(true);
    expect(tooMuch.ready(true)).toBe(true);
  });
});
