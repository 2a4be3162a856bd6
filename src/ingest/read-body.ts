import { groupedOf, type GroupedAlerts, type GroupKeyOf } from './alert-batch.ts';
import { parseAlertmanagerBatch, type ParsedBatch } from './alertmanager-api.ts';
import { parseAlertmanagerWebhook } from './alertmanager-webhook.ts';
import { parseGenericWebhook } from './generic.ts';
import type { IngestIssue } from './normalize.ts';

/** The wire formats an ingestion endpoint reads (also the `source` of the alerts it stores). */
export type IngestFormat = 'alertmanager-api' | 'alertmanager-webhook' | 'generic';

/** One request body to read. Plain data, so it can be sent to the reader thread. */
export interface BodyToRead {
  format: IngestFormat;
  /** The body as received; undefined or blank when the request had none. */
  text: string | undefined;
  /** When the request arrived (epoch ms): defaults startsAt and endsAt. */
  now: number;
  /** `server.resolve_timeout` in ms. */
  resolveTimeoutMs: number;
}

/** A body read: the valid alerts with their groups, and one issue per field of each bad one. */
export interface BodyRead {
  alerts: GroupedAlerts;
  issues: IngestIssue[];
  /** How many items the body held. */
  received: number;
}

/** What reading a body gives: its alerts, or why it is not JSON at all. */
export type ReadOutcome = BodyRead | { notJson: string };

function toRead(parsed: ParsedBatch, groupOf: GroupKeyOf): BodyRead {
  return { alerts: groupedOf(parsed.alerts, groupOf), issues: parsed.issues, received: parsed.received };
}

/**
 * Reads one ingestion request body: parses the JSON, validates and normalises each alert with its
 * format's adapter, and returns the valid alerts as JSON text ready for the journal, each with its
 * group key (`groupOf`). Pure, so it runs the same on the event loop and in the reader thread.
 */
export function readBody(body: BodyToRead, groupOf: GroupKeyOf): ReadOutcome {
  let value: unknown;
  if (body.text !== undefined && body.text.trim() !== '') {
    try {
      value = JSON.parse(body.text) as unknown;
    } catch (err) {
      return { notJson: `the body is not valid JSON: ${(err as Error).message}` };
    }
  }
  switch (body.format) {
    case 'alertmanager-api':
      return toRead(parseAlertmanagerBatch(value, body.now, body.resolveTimeoutMs), groupOf);
    case 'alertmanager-webhook':
      return toRead(parseAlertmanagerWebhook(value, body.now, body.resolveTimeoutMs), groupOf);
    case 'generic':
      return toRead(parseGenericWebhook(value, body.now), groupOf);
  }
}
