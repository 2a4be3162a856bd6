import type { Alert } from '../alerts/alert.ts';
import { batchAlerts, receivedAtOf, type GroupedAlerts } from '../ingest/alert-batch.ts';
import { CommitQueue } from '../ingest/commit-queue.ts';
import { deferralOf, RATE_WINDOW_MS, type Deferral, type DeferOptions } from '../ingest/deferral.ts';
import { applyEntries } from '../ingest/apply-entries.ts';
import type { IngestOutcome } from '../ingest/ingest.ts';
import { journalOf, type IngestJournal, type JournalEntry } from '../ingest/journal-store.ts';
import { ingestOptionsFor } from '../ingest/options.ts';
import { PendingEntries } from './pending-entries.ts';
import { VigilError } from '../shared/errors.ts';
import { yieldToEventLoop } from '../shared/event-loop.ts';
import { applyNow, BULK_APPLY, MAX_APPLY, MAX_DELAY_MS, type ApplyState } from './apply-timing.ts';
import type { AppContext } from './context.ts';

/** The journal entries a commit wrote (new groups', the others'), and how many requests shared it. */
type Appended = { ids: number[]; requests: number };

interface Waiter {
  id: number;
  resolve: (o: IngestOutcome) => void;
  reject: (e: unknown) => void;
}

/** What a request's alerts became by the time it is answered. */
export interface Accepted {
  /** The apply's outcome, when the alerts were applied before the reply. */
  outcome: IngestOutcome | undefined;
}

/**
 * The ingest path in two durable steps:
 *
 * 1. **Journal** — concurrent requests are committed together (group commit): the alerts of
 *    groups this process has not seen before in one `ingest_journal` row, the others in a second.
 *    Once that commits the alerts are durable: a crash from then on is repaired by applying the
 *    journal at start-up, so a 2xx is never sent for an alert that can be lost.
 * 2. **Apply** — entries are applied to alerts, incidents and group timers in transactions of up
 *    to 16,384 alerts, each claiming the entries it applies, so none is applied twice. Entries of
 *    new groups go first; under an alert storm the others wait (`Deferral`).
 *
 * A request alone (no concurrent traffic, nothing waiting) is answered after its apply, with the
 * incidents it opened. Under concurrent load a request is answered once journaled, and applies
 * wait (at most 20 ms, or until 4,096 alerts wait) so that each transaction carries thousands of
 * alerts, cheaper per alert (docs/performance.md). API reads wait for what was acknowledged (`settled`).
 */
export class IngestService {
  private readonly queue: CommitQueue<Appended>;
  private readonly journal: IngestJournal;
  /** Appended and not yet applied, oldest first, and which of them are parked. */
  private readonly pending: PendingEntries;
  /** Which alerts may wait for their apply (those of groups seen before, under a storm). */
  private readonly deferral: Deferral;
  /** The timer asked for what is ready to be applied now, however few alerts. */
  private due = false;
  private readonly waiters: Waiter[] = [];
  private applying: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` fires (performance.now()). */
  private timerAt = 0;
  private urgent = false;
  private draining = false;
  private failures = 0;
  private lastReceivedAt = -Infinity; // the last journal entry's receipt time (receivedAtOf)
  /** Until the pending entries pass this id, entries are applied one at a time (after a failure). */
  private isolateThrough = 0;
  /** An entry that failed alone, parked until the next entry shows whether the store itself works. */
  private suspect: number | undefined;

  constructor(
    private readonly ctx: AppContext,
    defer: DeferOptions = {},
  ) {
    this.deferral = deferralOf(ctx.loaded.config.server.ingest_queue, defer);
    this.pending = new PendingEntries((alerts) => ctx.metrics.ingestParked.set(alerts));
    this.journal = journalOf(ctx.store);
    this.queue = new CommitQueue(async (batches, requests) => {
      const now = (this.lastReceivedAt = receivedAtOf(batches, ctx.clock.now(), this.lastReceivedAt));
      const ids: number[] = [];
      const { first, rest, fresh } = this.deferral.split(batches);
      for (const [batch, deferrable] of [
        [first, false],
        [rest, true],
      ] as const) {
        if (batch.count === 0) continue;
        const urgent = !deferrable && ctx.intake !== undefined ? fresh : 0;
        const appended = await this.journal.append(batch, now);
        const entry = { ...appended, deferrable, urgent, fresh: !deferrable && fresh > 0 };
        // New groups: their first pages wait for this apply, so intake may wait for it too.
        if (urgent > 0) ctx.intake?.hold(urgent);
        this.pending.add([entry]);
        if (deferrable) this.deferral.journaled(entry.count);
        ids.push(entry.id);
      }
      ctx.metrics.ingestPending.set(this.depth);
      return { ids, requests };
    }, ctx.loaded.config.server.ingest_queue);
  }

  /** Alerts accepted and not applied that wait because their groups were seen before. */
  get deferred(): number {
    return this.deferral.waiting;
  }

  /** Alerts accepted and not yet applied, plus those waiting for their journal commit. */
  get depth(): number {
    return this.pending.alerts + this.queue.depth;
  }

  /**
   * True while as many alerts wait as the queue allows: a new request would be refused, so it is
   * refused before its body is even read (shedding a flood must cost less than accepting it).
   */
  get full(): boolean {
    return this.depth >= this.ctx.loaded.config.server.ingest_queue.maxQueued;
  }

  /**
   * Makes the alerts durable and answers: with the apply's outcome when the request came alone
   * (none if that apply fails: the alerts stay journaled and are retried, so they are accepted),
   * at once (after the journal commit) under concurrent load. Refuses with `overloaded` when too
   * many alerts are waiting, before anything is written.
   */
  async submit(alerts: GroupedAlerts): Promise<Accepted> {
    const max = this.ctx.loaded.config.server.ingest_queue.maxQueued;
    if (this.depth + alerts.count > max) {
      throw new VigilError(
        'overloaded',
        `vigil is busy (${this.depth} alerts waiting to be stored); retry shortly`,
      );
    }
    this.deferral.arrived(alerts.count);
    const appended = await this.queue.submit(alerts);
    const mine = new Set(appended.ids);
    const alone = appended.requests === 1 && !this.applying && this.pending.all.every((e) => mine.has(e.id));
    if (!alone) this.kick();
    const outcome = alone
      ? await this.appliedThrough(Math.max(...appended.ids)).catch(() => undefined)
      : undefined;
    return { outcome };
  }

  /** Resolves once everything accepted before the call is applied (read-your-writes for the API). */
  async settled(): Promise<void> {
    const last = this.pending.all.findLast((e) => !this.pending.isParked(e.id));
    if (!last) return;
    await this.appliedThrough(last.id);
  }

  /** Applies every journal entry left by a previous run (before serving). */
  async recover(): Promise<number> {
    const entries = await this.journal.unapplied();
    const known = new Set(this.pending.all.map((e) => e.id));
    const left = entries.filter((e) => !known.has(e.id));
    const count = left.reduce((n, e) => n + e.count, 0);
    this.pending.add(left, true);
    await this.drain();
    return count;
  }

  /** Applies everything pending now (shutdown, recovery). */
  async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.unparked > 0 || this.applying) {
        this.kick();
        await this.applying;
        // The store is failing: keep the rest journaled (applied at the next start or retry).
        if (this.pending.unparked > 0 && this.failures > 0) break;
      }
    } finally {
      this.draining = false;
    }
  }

  private appliedThrough(id: number): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ id, resolve, reject });
      this.urgent = true;
      this.kick();
    });
  }

  /**
   * Whether the entries that may wait are to be applied now (see Deferral): not while a wave of
   * first pages is on its way (`IntakeGate.paging`), unless a request or a drain needs them.
   */
  private deferredReady(): boolean {
    return this.urgent || this.draining || this.deferral.ready(this.ctx.intake?.paging === true);
  }

  /** Alerts an apply would take now (those that may wait only when they are ready). */
  private readyAlerts(): number {
    return this.pending.alerts - (this.deferredReady() ? 0 : this.deferral.waiting);
  }

  /**
   * True when an entry that brings new groups waits (not parked): their first notifications are
   * due group_wait after the request arrived, so gathering more alerts would only make them late.
   */
  private freshReady(): boolean {
    return this.pending.freshWaiting();
  }

  /** What `applyNow` decides on, with `ready` alerts an apply would take now. */
  private applyState(ready: number): ApplyState {
    const { urgent, draining, due } = this;
    return { urgent, draining, due, ready, fresh: this.freshReady() };
  }

  /** Starts an apply now when one is due, or arms the timer that bounds the wait. */
  private kick(): void {
    if (this.applying || this.pending.unparked === 0) return;
    // After a failed apply, wait out the backoff (only a drain goes ahead).
    if (this.failures > 0 && this.timer && !this.draining) return;
    const ready = this.readyAlerts();
    if (applyNow(this.applyState(ready))) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.applying = this.loop();
      return;
    }
    // Alerts that are ready wait at most MAX_DELAY_MS, even when a later review of those that may
    // wait is armed; those are looked at again every RATE_WINDOW_MS.
    const at = performance.now() + (ready > 0 ? MAX_DELAY_MS : RATE_WINDOW_MS);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = true;
      this.kick();
    }, at - performance.now()).unref();
  }

  private async loop(): Promise<void> {
    try {
      // `due` alone keeps the loop going once more, to clear it when nothing is ready.
      while (this.due || applyNow(this.applyState(this.readyAlerts()))) {
        const batch = this.nextBatch();
        this.due = false;
        if (batch.length === 0) break;
        if (!(await this.apply(batch))) return;
        this.urgent = this.waiters.length > 0;
      }
    } finally {
      this.applying = undefined;
      if (this.pending.unparked > 0 && this.failures === 0) queueMicrotask(() => this.kick());
    }
  }

  /**
   * The oldest entries not parked, up to MAX_APPLY alerts (one at a time when isolating), but not
   * those that may wait unless they are ready: entries of new groups may go first (see Deferral).
   */
  private nextBatch(): JournalEntry[] {
    const batch: JournalEntry[] = [];
    const deferred = this.deferredReady();
    let n = 0;
    for (const e of this.pending.all) {
      if (this.pending.isParked(e.id) || (e.deferrable && !deferred)) continue;
      if (batch.length > 0 && (n + e.count > MAX_APPLY || e.id <= this.isolateThrough)) break;
      batch.push(e);
      n += e.count;
      if (e.id <= this.isolateThrough) break;
    }
    return batch;
  }

  /** Applies entries in one transaction; false when the store failed (retried after a pause). */
  private async apply(batch: readonly JournalEntry[]): Promise<boolean> {
    const { ctx } = this;
    const now = Math.max(...batch.map((e) => e.receivedAt));
    const opts = { ...ingestOptionsFor(ctx.loaded, ctx.hooks), group: ctx.group };
    let outcome: IngestOutcome;
    try {
      // Parsed before the transaction, which holds the connection until it ends; one entry at a
      // time, letting requests in between.
      const parsed = new Map<number, Alert[]>();
      for (const e of batch) {
        parsed.set(e.id, batchAlerts(e));
        if (batch.length > 1) await yieldToEventLoop();
      }
      // A large apply (a backlog) queues behind flushes and outbox steps; a small one is how a new
      // alert reaches its group, and waits its turn like them.
      const lane = batch.reduce((n, e) => n + e.count, 0) >= BULK_APPLY ? ctx.store.bulkDb : undefined;
      outcome = await (lane ?? ctx.store.db)
        .transaction()
        .execute((trx) => applyEntries(trx, ctx.store.dialect, this.journal, batch, parsed, now, opts));
    } catch (err) {
      return this.failed(batch, err);
    }
    this.failures = 0;
    try {
      await this.journal.forget(batch.map((e) => e.id));
    } catch (err) {
      // Harmless: the entries are recorded as applied, so recovery skips and drops them.
      ctx.logger.warn({ err }, 'could not drop applied entries from the ingest journal');
    }
    if (this.suspect !== undefined) {
      // The entry after it applied: the store works and that entry cannot be applied.
      ctx.logger.error(
        { entry: this.suspect },
        'an accepted batch of alerts cannot be applied; it stays in the ingest journal and is retried every minute',
      );
      this.suspect = undefined;
      this.retryParkedLater();
    }
    this.pending.remove(new Set(batch.map((e) => e.id)));
    this.deferral.applied(batch.reduce((n, e) => n + (e.deferrable ? e.count : 0), 0));
    ctx.intake?.release(batch.reduce((n, e) => n + (e.urgent ?? 0), 0));
    // The new groups' first flushes are due: if soon, what may wait waits for them (ADR 0015).
    ctx.intake?.expect(outcome.newGroups, outcome.firstFlushesDueAt - ctx.clock.now());
    ctx.metrics.ingestPending.set(this.depth);
    // A waiter is answered once nothing at or before its entries is left (entries of new groups
    // may be applied before older ones that wait).
    const left = this.pending.all.find((e) => !this.pending.isParked(e.id))?.id ?? Infinity;
    const through = Math.min(batch.at(-1)?.id ?? 0, left - 1);
    for (const w of this.waiters.filter((x) => x.id <= through)) w.resolve(outcome);
    this.removeWaiters(through);
    if (outcome.opened.length > 0) {
      ctx.metrics.incidentsOpened.inc(outcome.opened.length);
      for (const inc of outcome.opened)
        ctx.logger.info({ incident: inc.key, title: inc.title, severity: inc.severity }, 'incident opened');
    }
    ctx.worker?.poke();
    return true;
  }

  /**
   * A failed apply. Several entries: apply them one at a time to find the one that fails. One entry
   * with others after it: park it and try the next — if that applies, this entry is what fails and
   * stays parked (journaled, retried every minute) instead of holding every later alert back; if
   * the next fails too, the store is what fails, and everything waits with backoff.
   */
  private failed(batch: readonly JournalEntry[], err: unknown): boolean {
    const { ctx } = this;
    const first = batch[0];
    const last = batch.at(-1)?.id ?? 0;
    if (batch.length > 1) {
      this.isolateThrough = Math.max(this.isolateThrough, last);
      return true;
    }
    const hasNext =
      first !== undefined && this.pending.all.some((e) => e.id > first.id && !this.pending.isParked(e.id));
    if (first && this.suspect === undefined && hasNext) {
      this.suspect = first.id;
      this.pending.park(first.id);
      for (const w of this.waiters.filter((x) => x.id === first.id)) w.reject(err);
      this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((x) => x.id !== first.id));
      ctx.logger.warn({ err, entry: first.id }, 'applying an accepted batch failed; trying the next one');
      return true;
    }
    if (this.suspect !== undefined) this.pending.unpark(this.suspect);
    this.suspect = undefined;
    this.failures++;
    ctx.logger.error({ err }, 'applying accepted alerts failed; they stay journaled and are retried');
    for (const w of this.waiters.filter((x) => x.id <= last)) w.reject(err);
    this.removeWaiters(last);
    if (this.timer) clearTimeout(this.timer);
    const backoff = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
    this.timerAt = performance.now() + backoff;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.urgent = true;
      this.kick();
    }, backoff).unref();
    return false;
  }

  /** Gives parked entries another try in a minute (a config reload or a fix may let them apply). */
  private retryParkedLater(): void {
    setTimeout(() => {
      this.isolateThrough = Math.max(this.isolateThrough, this.pending.unparkAll());
      this.urgent = true;
      this.kick();
    }, 60_000).unref();
  }

  private removeWaiters(through: number): void {
    for (let i = this.waiters.length - 1; i >= 0; i--)
      if ((this.waiters[i]?.id ?? 0) <= through) this.waiters.splice(i, 1);
  }
}

const services = new WeakMap<AppContext, IngestService>();

/**
 * The ingest service of an app (one per context, created on first use; `defer` applies only
 * then, for tests).
 */
export function ingestServiceOf(ctx: AppContext, defer?: DeferOptions): IngestService {
  let s = services.get(ctx);
  if (!s) {
    s = new IngestService(ctx, defer);
    services.set(ctx, s);
  }
  return s;
}
