import { describe, expect, it } from 'vitest';
import { ManualTimers } from '../../test/fakes/manual-timers.ts';
import { EXPECT_HORIZON_MS, EXPECT_SLACK_MS, IntakeGate } from './intake-gate.ts';

/** Whether a wait has settled, after the microtasks queued so far ran. */
async function settled(p: Promise<void> | undefined): Promise<boolean> {
  if (p === undefined) return true;
  let done = false;
  void p.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

describe('IntakeGate (pages before intake)', () => {
  it('lets intake through at once while nothing urgent is pending', () => {
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 1, timers: new ManualTimers() });
    expect(gate.wait()).toBeUndefined();
    gate.release(); // nothing held: ignored
    expect(gate.holding).toBe(false);
  });

  it('holds intake until every unit of urgent work is released', async () => {
    const timers = new ManualTimers();
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 1, timers });
    gate.hold(); // a new group's entry
    gate.hold(3); // its flush's three messages
    const w = gate.wait();
    expect(w).toBeDefined();
    timers.advance(50);
    gate.release(3);
    expect(await settled(w)).toBe(false);
    timers.advance(20);
    gate.release();
    expect(await settled(w)).toBe(true);
    expect(gate.wait()).toBeUndefined();
    expect(gate.stats).toEqual({ released: 1, expired: 0, heldMs: 70 });
  });

  it('ends a hold at its limit, then leaves intake open for as long before holding again', async () => {
    const timers = new ManualTimers();
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 1, timers });
    gate.hold(2);
    const w = gate.wait();
    timers.advance(299);
    expect(await settled(w)).toBe(false);
    timers.advance(1);
    expect(await settled(w)).toBe(true);
    expect(gate.stats).toMatchObject({ expired: 1, heldMs: 300 });
    // The expired hold's work is forgotten; within the open window new urgent work is counted but
    // does not hold intake.
    expect(gate.pending).toBe(0);
    gate.hold();
    expect(gate.wait()).toBeUndefined();
    // After the window it does, until both units are released.
    timers.advance(300);
    gate.hold();
    expect(gate.holding).toBe(true);
    gate.release();
    expect(gate.holding).toBe(true);
    gate.release();
    expect(gate.holding).toBe(false);
  });

  it('starts a hold only once a wave of work is pending, and then holds until all of it is done', () => {
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 100, timers: new ManualTimers() });
    gate.hold(64); // a request's new groups: a few dozen pages go out without holding anyone
    expect(gate.holding).toBe(false);
    gate.release(64);
    gate.hold(500); // a storm's first commit: hundreds of new groups
    expect(gate.holding).toBe(true);
    gate.release(450);
    expect(gate.holding).toBe(true); // below the threshold, but the wave is not done
    gate.release(50);
    expect(gate.holding).toBe(false);
  });

  it("hands a flush's units over to its pages without letting intake through in between", () => {
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 100, timers: new ManualTimers() });
    gate.hold(64); // 64 first flushes: no hold
    gate.handOver(64, 64); // their 64 pages: still no hold (not counted twice)
    expect(gate.holding).toBe(false);
    gate.release(64);
    gate.hold(500); // 500 first flushes: a hold
    expect(gate.holding).toBe(true);
    gate.handOver(500, 480); // 480 pages (20 groups sent nothing)
    expect(gate.holding).toBe(true);
    expect(gate.pending).toBe(480);
    gate.handOver(10, 0); // a flush with nothing to hand over
    gate.release(470);
    expect(gate.holding).toBe(false);
  });

  it('counts expected first flushes as a wave on its way without holding intake, until they begin or go stale', () => {
    const timers = new ManualTimers();
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 100, timers });
    gate.expect(64, 100); // a request's new groups, due after group_wait: not a wave
    expect(gate.paging).toBe(false);
    gate.expect(436, 90); // the rest of a storm's first requests: 500 first flushes due soon
    expect(gate.paging).toBe(true);
    expect(gate.holding).toBe(false); // requests may bring more new groups meanwhile
    expect(gate.wait()).toBeUndefined();
    // The flushes begin: no longer expected, now urgent work that holds intake.
    gate.begin(500);
    expect(gate.holding).toBe(true);
    expect(gate.paging).toBe(true);
    gate.handOver(500, 500);
    gate.release(500);
    expect(gate.holding).toBe(false);
    expect(gate.paging).toBe(false);
    // Flushes that are not claimed here (another process ran them) stop counting once they are
    // EXPECT_SLACK_MS overdue.
    gate.expect(200, 100);
    timers.advance(100 + EXPECT_SLACK_MS - 1);
    expect(gate.paging).toBe(true);
    timers.advance(1);
    expect(gate.paging).toBe(false);
    gate.expect(50, 100); // the stale ones are not added to new ones
    expect(gate.paging).toBe(false);
  });

  it('does not count first flushes that are not due soon (a long group_wait)', () => {
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 100, timers: new ManualTimers() });
    gate.expect(500, EXPECT_HORIZON_MS + 1);
    expect(gate.paging).toBe(false);
    gate.expect(500, EXPECT_HORIZON_MS);
    expect(gate.paging).toBe(true);
  });

  it('forgets expected flushes with the rest of the work when a hold reaches its limit', () => {
    const timers = new ManualTimers();
    const gate = new IntakeGate({ maxHoldMs: 300, minWork: 100, timers });
    gate.expect(300);
    gate.begin(150);
    expect(gate.holding).toBe(true);
    timers.advance(300);
    expect(gate.holding).toBe(false);
    expect(gate.paging).toBe(false);
  });

  it('never holds when switched off (a limit of 0)', () => {
    const gate = new IntakeGate({ maxHoldMs: 0, timers: new ManualTimers() });
    gate.hold(5);
    gate.expect(500);
    gate.begin(500);
    expect(gate.wait()).toBeUndefined();
    expect(gate.pending).toBe(0);
    expect(gate.paging).toBe(false);
  });
});
