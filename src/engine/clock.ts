/**
 * Time source for all domain code. Domain code never reads the wall clock; it is handed a Clock
 * so that tests can drive time and so that a decision can be replayed for any instant.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock, used only at the edge (server and CLI start-up). */
export const systemClock: Clock = {
  now: () => Date.now(),
};

/**
 * A clock that only moves when told to. Tests use it to walk through timers (group_wait,
 * escalation levels, retries) without sleeping on real time.
 */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: number | string = '2026-01-05T09:00:00Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.current;
  }

  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('FakeClock cannot go backwards');
    this.current += ms;
  }

  /** Jumps to an absolute instant (which must not be in the past of this clock). */
  set(at: number | string): void {
    const next = typeof at === 'number' ? at : Date.parse(at);
    if (next < this.current) throw new RangeError('FakeClock cannot go backwards');
    this.current = next;
  }
}
