import type { Generated } from 'kysely';

/**
 * Table shapes of vigil's own store. Times are integers in epoch milliseconds on both dialects
 * (PostgreSQL `bigint`, parsed back to numbers), and structured values are JSON text, so the same
 * queries and the same rows work on SQLite and PostgreSQL.
 */
export interface AlertsTable {
  fingerprint: string;
  labels: string;
  annotations: string;
  starts_at: number;
  ends_at: number;
  /** 1 when endsAt was filled in from resolve_timeout rather than sent by the source. */
  timeout: number;
  updated_at: number;
  generator_url: string;
  source: string;
  incident_id: number | null;
  /** Alertname + service (for now) or the route's group key: what decides the incident. */
  group_key: string;
}

/** Every received version of an alert, so history is kept and not only the latest state. */
export interface AlertEventsTable {
  id: Generated<number>;
  fingerprint: string;
  received_at: number;
  status: string;
  starts_at: number;
  ends_at: number;
  /** Empty: a version's labels are its fingerprint's, kept once in `alerts` (older rows may hold them). */
  labels: string;
  annotations: string;
  source: string;
}

/** Incidents; `number` gives the human id INC-<number>. */
export interface IncidentsTable {
  id: Generated<number>;
  number: number;
  title: string;
  severity: string;
  status: string;
  service: string;
  group_key: string;
  /** Non-null only while the incident is open: keeps one open incident per group key. */
  open_key: string | null;
  triggered_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  manual: number;
  assignee: string | null;
  updated_at: number;
  /** The escalation policy the route chose (null: the default policy). */
  escalation_policy: Generated<string | null>;
  /** The routing-tree node that opened it (e.g. `0.2`). */
  route_id: Generated<string | null>;
}

/** Append-only timeline of typed events per incident. */
export interface TimelineTable {
  id: Generated<number>;
  incident_id: number;
  at: number;
  type: string;
  actor: string;
  data: string;
}

/** Durable timed work: one row per job, claimed by a worker when due. */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** Idempotency key: scheduling the same key twice keeps one row. */
  key: string;
  run_at: number;
  payload: string;
  status: string;
  attempts: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

/** API tokens, stored as SHA-256 hashes. */
export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

/** One aggregation group: its timer and notification log (Alertmanager's nflog, durable). */
export interface AlertGroupsTable {
  group_key: string;
  route_id: string;
  created_at: number;
  last_flush_at: number | null;
  last_notified_at: number | null;
  /** JSON array of the fingerprints firing in the last notification. */
  last_firing: string | null;
  last_resolved: string | null;
  flushes: number;
}

/** Named counters (e.g. the next incident number) updated inside transactions. */
export interface CountersTable {
  name: string;
  value: number;
}

/** Accepted alert batches not yet applied (migration 0008); `alerts` is a JSON array of Alert. */
export interface IngestJournalTable {
  id: Generated<number>;
  received_at: number;
  count: number;
  alerts: string;
}

/** Ingest journal entries applied to this database while the journal lives elsewhere (SQLite). */
export interface IngestAppliedTable {
  id: number;
}

/** The SQLite store's journal file (`journal.db` beside `vigil.db`). */
export interface JournalDatabase {
  ingest_journal: IngestJournalTable;
}

/** The tables the spine owns. Other domains add theirs with `db.withTables<...>()`. */
export interface Database {
  ingest_journal: IngestJournalTable;
  ingest_applied: IngestAppliedTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  incidents: IncidentsTable;
  incident_timeline: TimelineTable;
  jobs: JobsTable;
  api_tokens: ApiTokensTable;
  counters: CountersTable;
  alert_groups: AlertGroupsTable;
}
