import type { JournalEntry } from '../ingest/journal-store.ts';

/**
 * The journal entries accepted and not yet applied, oldest first, and those of them parked after
 * their apply failed alone (skipped until they are retried). The ingest service asks about them on
 * every request; the counts it needs are kept as entries come and go, so that under a storm, when
 * thousands of entries wait, a question does not scan them all (asking whether an entry of new
 * groups waits was 80 ms of the event loop in a 100k burst, docs/performance.md, session 23).
 */
export class PendingEntries {
  readonly #entries: JournalEntry[] = [];
  readonly #parked = new Set<number>();
  #alerts = 0;
  /** Entries that bring new groups (`fresh`), parked or not. */
  #fresh = 0;
  #parkedAlerts = 0;

  /** Called with the number of parked alerts whenever it changes (for the metric). */
  constructor(private readonly onParked: (alerts: number) => void = () => undefined) {}

  /** Every pending entry, oldest first (parked ones included). */
  get all(): readonly JournalEntry[] {
    return this.#entries;
  }

  /** Alerts in the pending entries, parked ones included. */
  get alerts(): number {
    return this.#alerts;
  }

  /** Entries that are not parked: what an apply could take. */
  get unparked(): number {
    return this.#entries.length - this.#parked.size;
  }

  /** Adds entries after the others (`atStart`: before them, for recovery). */
  add(entries: readonly JournalEntry[], atStart = false): void {
    if (atStart) this.#entries.unshift(...entries);
    else this.#entries.push(...entries);
    for (const e of entries) {
      this.#alerts += e.count;
      if (e.fresh === true) this.#fresh++;
    }
  }

  /** Removes the entries with these ids (applied). */
  remove(ids: ReadonlySet<number>): void {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i];
      if (!e || !ids.has(e.id)) continue;
      this.#entries.splice(i, 1);
      this.#alerts -= e.count;
      if (e.fresh === true) this.#fresh--;
      if (this.#parked.delete(e.id)) this.#parkedBy(-e.count);
    }
  }

  isParked(id: number): boolean {
    return this.#parked.has(id);
  }

  /** True when an entry that brings new groups waits and is not parked. */
  freshWaiting(): boolean {
    return this.#fresh > 0 && this.#entries.some((e) => e.fresh === true && !this.#parked.has(e.id));
  }

  /** Parks a pending entry: applies skip it until it is unparked. */
  park(id: number): void {
    const e = this.#entries.find((x) => x.id === id);
    if (!e || this.#parked.has(id)) return;
    this.#parked.add(id);
    this.#parkedBy(e.count);
  }

  /** Takes an entry out of the parked ones. */
  unpark(id: number): void {
    const e = this.#entries.find((x) => x.id === id);
    if (this.#parked.delete(id)) this.#parkedBy(-(e?.count ?? 0));
  }

  /** Unparks every entry; returns the highest id that was parked (0 when none was). */
  unparkAll(): number {
    const highest = Math.max(0, ...this.#parked);
    this.#parked.clear();
    this.#parkedBy(-this.#parkedAlerts);
    return highest;
  }

  #parkedBy(n: number): void {
    if (n === 0) return;
    this.#parkedAlerts += n;
    this.onParked(this.#parkedAlerts);
  }
}
