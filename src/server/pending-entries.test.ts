import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../ingest/journal-store.ts';
import { PendingEntries } from './pending-entries.ts';

const entry = (id: number, count: number, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  id,
  receivedAt: id,
  count,
  text: '[]',
  ...extra,
});

describe('pending journal entries', () => {
  it('keeps the alert count, the fresh entries and the parked ones as entries come and go', () => {
    const reported: number[] = [];
    const p = new PendingEntries((n) => reported.push(n));
    p.add([entry(3, 10), entry(4, 5, { fresh: true })]);
    p.add([entry(1, 2), entry(2, 7, { deferrable: true })], true);
    expect(p.all.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect([p.alerts, p.unparked, p.freshWaiting()]).toEqual([24, 4, true]);

    // The fresh entry parked: no fresh entry waits, and the parked alerts are reported.
    p.park(4);
    p.park(4);
    p.park(99); // not pending: ignored
    expect([p.unparked, p.freshWaiting(), p.isParked(4)]).toEqual([3, false, true]);
    p.park(1);
    p.unpark(1);
    expect(reported).toEqual([5, 7, 5]);

    p.remove(new Set([1, 3]));
    expect([p.all.map((e) => e.id), p.alerts]).toEqual([[2, 4], 12]);
    expect(p.unparkAll()).toBe(4);
    expect([p.unparked, p.freshWaiting(), reported.at(-1)]).toEqual([2, true, 0]);
    expect(p.unparkAll()).toBe(0);

    p.remove(new Set([2, 4]));
    expect([p.all.length, p.alerts, p.unparked, p.freshWaiting()]).toEqual([0, 0, 0, false]);
  });
});
