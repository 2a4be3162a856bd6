import { describe, expect, it } from 'vitest';
import { flapSettings, flapState, onFiring, type Transition } from './flap.ts';
import { scorePriority, urgencyOf } from './priority.ts';

const M = 60_000;
const s = flapSettings({ window_minutes: 30, min_flaps: 3, settle_minutes: 20 });

describe('flap detection', () => {
  it('pages once, then updates with the flap count until settled', () => {
    const h: Transition[] = [];
    const fire = (at: number) => {
      const d = onFiring(h, s, at);
      h.push({ at, state: 'firing' });
      return d;
    };
    expect(fire(0)).toEqual({ kind: 'page', flapCount: 1 });
    h.push({ at: 2 * M, state: 'resolved' });
    expect(fire(4 * M)).toEqual({ kind: 'update', flapCount: 2, flapping: false });
    h.push({ at: 6 * M, state: 'resolved' });
    expect(fire(8 * M)).toEqual({ kind: 'update', flapCount: 3, flapping: true });
    h.push({ at: 9 * M, state: 'resolved' });
    expect(flapState(h, s, 10 * M)).toMatchObject({ flapping: true, flapCount: 3, settlesAt: 29 * M });
    expect(flapState(h, s, 29 * M).flapping).toBe(false);
    expect(fire(30 * M)).toEqual({ kind: 'page', flapCount: 3 }); // settled: pages afresh
  });
  it('a re-fire after the window pages again', () => {
    const h: Transition[] = [
      { at: 0, state: 'firing' },
      { at: 60 * M, state: 'resolved' },
    ];
    expect(onFiring(h, s, 61 * M).kind).toBe('page'); // last firing start is outside the window
  });
});

describe('priority', () => {
  it('worked example from docs/noise.md', () => {
    const r = scorePriority(
      { severity: 'critical', tier: 1, services: 3, alerts: 12, relatedIncidentOpen: false, startedAt: 0 },
      25 * M,
    );
    expect(r.breakdown.map((f) => f.points)).toEqual([40, 25, 10, 7, 0, 2]);
    expect(r).toMatchObject({ score: 84, priority: 'P1' });
  });
  it('low severity on a tier 3 service is P4/P5 and waits outside working hours', () => {
    const r = scorePriority(
      { severity: 'warning', tier: 3, services: 1, alerts: 1, relatedIncidentOpen: false, startedAt: 0 },
      0,
    );
    expect(r).toMatchObject({ score: 25, priority: 'P4' });
    expect(urgencyOf(r.priority, 'warning', false)).toBe('low');
    expect(urgencyOf(r.priority, 'warning', true)).toBe('high');
    expect(urgencyOf('P2', 'info', false)).toBe('high');
  });
});
