import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IntakeGate } from '../engine/intake-gate.ts';
import type { Db } from '../store/db.ts';
import { countOpen } from '../incidents/incident-store.ts';

/** vigil's own Prometheus metrics, on a registry per server (so tests can run several). */
export interface Metrics {
  registry: Registry;
  alertsReceived: Counter<'source' | 'outcome'>;
  ingestBatches: Counter<'source' | 'outcome'>;
  incidentsOpened: Counter;
  /** Alerts acknowledged (or waiting for their journal commit) and not yet applied. */
  ingestPending: Gauge;
  /** Accepted alerts whose journal entry could not be applied while later ones could (parked). */
  ingestParked: Gauge;
  /** Ingestion bodies read, by where: the reader thread or the event loop (ADR 0011). */
  bodiesRead: Counter<'on'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/**
 * Creates the metrics; the open-incident gauge reads the store when scraped, and the intake
 * gate's counters (ADR 0015) read the gate, when there is one.
 */
export function createMetrics(db: Db, intake?: IntakeGate): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  const alertsReceived = new Counter({
    name: 'vigil_alerts_received_total',
    help: 'Alerts received, by source and outcome (accepted or rejected).',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const ingestBatches = new Counter({
    name: 'vigil_ingest_requests_total',
    help: 'Ingest requests, by source and outcome.',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const incidentsOpened = new Counter({
    name: 'vigil_incidents_opened_total',
    help: 'Incidents opened since start.',
    registers: [registry],
  });
  const ingestPending = new Gauge({
    name: 'vigil_ingest_pending_alerts',
    help: 'Alerts accepted or queued for the ingest journal and not yet applied; new posts get 503 past server.ingest_queue.max_queued.',
    registers: [registry],
  });
  const ingestParked = new Gauge({
    name: 'vigil_ingest_parked_alerts',
    help: 'Accepted alerts whose journal entry failed to apply on its own while later entries applied: kept in the journal and retried every minute. Above 0 needs a look; the log names the entry.',
    registers: [registry],
  });
  const bodiesRead = new Counter({
    name: 'vigil_ingest_bodies_read_total',
    help: 'Ingestion request bodies read, by where: on the reader thread, or on the event loop (small bodies, or while the thread is not running).',
    labelNames: ['on'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  if (intake) {
    new Counter({
      name: 'vigil_ingest_held_seconds_total',
      help: "Time new ingestion requests waited for a new group's first page (server.ingest_queue.page_first_hold).",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(intake.stats.heldMs / 1000);
      },
    });
    new Counter({
      name: 'vigil_ingest_holds_total',
      help: 'Holds of ingestion for first pages, by how they ended: released (the pages were out) or expired (page_first_hold reached).',
      labelNames: ['ended'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ ended: 'released' }, intake.stats.released);
        this.inc({ ended: 'expired' }, intake.stats.expired);
      },
    });
  }
  new Gauge({
    name: 'vigil_incidents_open',
    help: 'Open incidents by status and severity.',
    labelNames: ['status', 'severity'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countOpen(db)) this.set({ status: r.status, severity: r.severity }, r.count);
    },
  });
  return {
    registry,
    alertsReceived,
    ingestBatches,
    incidentsOpened,
    ingestPending,
    ingestParked,
    bodiesRead,
    httpDuration,
  };
}
