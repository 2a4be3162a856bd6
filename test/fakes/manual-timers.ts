import type { GateTimers } from '../../src/engine/intake-gate.ts';

/**
 * Timers that move only when told to, for the intake gate's hold limit: tests walk through it
 * without sleeping on real time.
 */
export class ManualTimers implements GateTimers {
  private t = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.t + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves time forward, running the timers that fall due, earliest first. */
  advance(ms: number): void {
    this.t += ms;
    for (const [id, d] of [...this.due].sort((a, b) => a[1].at - b[1].at))
      if (d.at <= this.t) {
        this.due.delete(id);
        d.fn();
      }
  }
}
