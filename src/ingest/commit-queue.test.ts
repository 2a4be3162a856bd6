import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.ts';
import { batchAlerts, groupedOf, type GroupedAlerts } from './alert-batch.ts';
import { CommitQueue } from './commit-queue.ts';
import type { IngestOutcome } from './ingest.ts';

const alert = (fp: string): Alert => ({
  fingerprint: fp,
  labels: { alertname: fp },
  annotations: {},
  startsAt: 0,
  endsAt: 1,
  timeout: false,
  updatedAt: 0,
  generatorURL: '',
  source: 't',
});
const fps = (batches: readonly GroupedAlerts[]): string[] =>
  batches.flatMap((b) => batchAlerts(b).map((a) => a.fingerprint));
const count = (batches: readonly GroupedAlerts[]): number => batches.reduce((n, b) => n + b.count, 0);
const batchOf = (alerts: Alert[]): GroupedAlerts => groupedOf(alerts, (l) => l['alertname'] ?? '');
const outcome = (n: number): IngestOutcome => ({
  stored: n,
  opened: [],
  resolved: [],
  touched: [],
  newGroups: 0,
  firstFlushesDueAt: -Infinity,
});

describe('CommitQueue (group commit)', () => {
  it('commits requests that arrive together in one transaction, each answered after it', async () => {
    const commits: string[][] = [];
    const q = new CommitQueue(async (batch) => {
      commits.push(fps(batch));
      return outcome(count(batch));
    });
    const answers = await Promise.all([
      q.submit(batchOf([alert('a')])),
      q.submit(batchOf([alert('b'), alert('c')])),
      q.submit(batchOf([alert('d')])),
    ]);
    expect(commits).toEqual([['a', 'b', 'c', 'd']]);
    expect(answers.every((o) => o.stored === 4)).toBe(true);
  });

  it('splits at maxBatch and keeps arrival order', async () => {
    const commits: string[][] = [];
    const q = new CommitQueue(
      async (batch) => {
        commits.push(fps(batch));
        return outcome(count(batch));
      },
      { maxBatch: 2 },
    );
    await Promise.all(['a', 'b', 'c'].map((f) => q.submit(batchOf([alert(f)]))));
    expect(commits).toEqual([['a', 'b'], ['c']]);
  });

  it('refuses new work with overloaded beyond maxQueued, and loses nothing it accepted', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const committed: string[] = [];
    const q = new CommitQueue(
      async (batch) => {
        await gate;
        committed.push(...fps(batch));
        return outcome(count(batch));
      },
      { maxQueued: 3 },
    );
    const first = q.submit(batchOf([alert('a'), alert('b')]));
    await new Promise((r) => setImmediate(r)); // the first commit starts and waits on the gate
    const second = q.submit(batchOf([alert('c'), alert('d'), alert('e')]));
    const third = q.submit(batchOf([alert('f'), alert('g'), alert('h'), alert('i')]));
    await expect(third).rejects.toMatchObject({ code: 'overloaded' });
    release();
    await Promise.all([first, second]);
    expect(committed).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('rejects every request of a failed transaction (none is acknowledged)', async () => {
    const q = new CommitQueue(() => Promise.reject(new Error('disk full')));
    const results = await Promise.allSettled([
      q.submit(batchOf([alert('a')])),
      q.submit(batchOf([alert('b')])),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
