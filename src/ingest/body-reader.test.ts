import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchAlerts } from './alert-batch.ts';
import { BodyReader } from './body-reader.ts';
import { groupKeyOfConfig } from './config-groups.ts';
import { readBody, type BodyToRead, type IngestFormat } from './read-body.ts';

const NOW = Date.UTC(2026, 10, 27, 12);
const HOUR = 3_600_000;

/** A Prometheus-like batch of `n` alerts, every fifth one invalid (endsAt before startsAt). */
function promBatch(n: number): string {
  return JSON.stringify(
    Array.from({ length: n }, (_, i) => ({
      labels: {
        alertname: `Alert${i % 20}`,
        service: `svc${i % 5}`,
        severity: 'critical',
        instance: `i${i}`,
      },
      annotations: { summary: `alert ${i}` },
      startsAt: new Date(NOW - HOUR).toISOString(),
      ...(i % 5 === 4 ? { endsAt: new Date(NOW - 2 * HOUR).toISOString() } : {}),
      generatorURL: 'http://prom/graph',
    })),
  );
}

/** The reader's config: group by alertname and service (the thread builds the same tree). */
const CONFIG = {
  file: 'test.yaml',
  text: 'route:\n  receiver: ops\n  group_by: [alertname, service]\n  group_wait: 100ms\n',
};
const groupOf = groupKeyOfConfig(CONFIG.file, CONFIG.text);
const readHere = (b: BodyToRead): ReturnType<typeof readBody> => readBody(b, groupOf);

const body = (text: string | undefined, format: IngestFormat = 'alertmanager-api'): BodyToRead => ({
  format,
  text,
  now: NOW,
  resolveTimeoutMs: 5 * 60_000,
});

describe('BodyReader (ingestion bodies on a thread of their own)', () => {
  let reader: BodyReader;
  /** Where the bodies were read, as the reader reported it. */
  let counts: { onThread: number; here: number };
  const newReader = (): BodyReader =>
    new BodyReader({
      groupOf,
      config: CONFIG,
      onRead: (on) => (on === 'thread' ? counts.onThread++ : counts.here++),
    });
  beforeEach(() => {
    counts = { onThread: 0, here: 0 };
  });
  afterEach(async () => {
    await reader.close();
  });

  it('reads a large body on its thread, with the same outcome as on the event loop', async () => {
    reader = newReader();
    expect(await reader.start()).toBe(true);
    const b = body(promBatch(64));
    const read = await reader.read(b);
    expect(counts).toEqual({ onThread: 1, here: 0 });
    expect(read).toEqual(readHere(b));
    if ('notJson' in read) throw new Error('expected alerts');
    expect(read.alerts.count).toBe(52);
    expect(read.issues.map((i) => i.field)).toContain('[4].endsAt');
    const alerts = batchAlerts(read.alerts);
    // Each alert keyed by its group as the app's routing tree keys it.
    expect(read.alerts.groups).toEqual(alerts.map((a) => groupOf(a.labels)));
    expect(new Set(read.alerts.groups).size).toBe(16);
    expect(alerts).toHaveLength(52);
    expect(alerts[0]).toMatchObject({ source: 'alertmanager-api', endsAt: NOW + 5 * 60_000, timeout: true });
  });

  it('says why a large body is not JSON', async () => {
    reader = newReader();
    await reader.start();
    const read = await reader.read(body(`${promBatch(40)},`));
    expect(counts.onThread).toBe(1);
    expect(read).toMatchObject({ notJson: expect.stringContaining('the body is not valid JSON') });
  });

  it('reads small bodies, and bodies that arrive while the thread starts, on the event loop', async () => {
    reader = newReader();
    const large = body(promBatch(64));
    // Not started yet: read here while the thread comes up.
    expect(await reader.read(large)).toEqual(readHere(large));
    expect(counts).toEqual({ onThread: 0, here: 1 });
    expect(await reader.start()).toBe(true);
    const small = body(promBatch(1));
    expect(await reader.read(small)).toEqual(readHere(small));
    expect(counts).toEqual({ onThread: 0, here: 2 });
  });

  it('loses no body in flight when the thread stops: they are read on the event loop', async () => {
    reader = newReader();
    await reader.start();
    const bodies = Array.from({ length: 30 }, (_, i) => body(promBatch(40 + i)));
    const reads = bodies.map((b) => reader.read(b));
    await reader.close();
    const outcomes = await Promise.all(reads);
    outcomes.forEach((o, i) => expect(o).toEqual(readHere(bodies[i] as BodyToRead)));
    expect(counts.onThread + counts.here).toBe(30);
    // Closed: from now on every body is read here.
    await reader.read(body(promBatch(64)));
    expect(counts.here).toBeGreaterThan(0);
  });

  it('gives the same outcome on the thread as on the event loop for any payload', async () => {
    reader = newReader();
    await reader.start();
    const json = fc.jsonValue({ maxDepth: 4 });
    const alertish = fc.record(
      {
        labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), json),
        annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.string()), json),
        startsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          json,
        ),
        endsAt: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          json,
        ),
        status: fc.oneof(fc.constantFrom('firing', 'resolved'), json),
        name: fc.string(),
      },
      { requiredKeys: [] },
    );
    const payload = fc.oneof(
      json,
      fc.array(alertish, { maxLength: 8 }),
      fc.record({ alerts: fc.array(alertish, { maxLength: 8 }) }),
    );
    const format = fc.constantFrom<IngestFormat>('alertmanager-api', 'alertmanager-webhook', 'generic');
    await fc.assert(
      fc.asyncProperty(payload, format, fc.boolean(), async (p, f, broken) => {
        // Padded past the size read on the thread; `broken` cuts the JSON short.
        const text = `${JSON.stringify(p)}${' '.repeat(2048)}${broken ? '{' : ''}`;
        const b = body(text, f);
        expect(await reader.read(b)).toEqual(readHere(b));
      }),
      { numRuns: 150 },
    );
    expect(counts.onThread).toBe(150);
  });
});
