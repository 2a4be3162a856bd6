/**
 * The shared vocabulary of the notification layer: events, channel types, the incident view that
 * templates read, the rendered payload each channel sends, and the outcome of one delivery attempt.
 */

/** Channel types vigil can deliver to. */
export const CHANNEL_TYPES = [
  'slack',
  'teams',
  'discord',
  'pagerduty',
  'opsgenie',
  'email',
  'sms',
  'webhook',
] as const;
/** One channel type. */
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** Incident events that produce notifications. */
export const NOTIFY_EVENTS = ['triggered', 'acknowledged', 'escalated', 'resolved', 'handoff'] as const;
/** One notification event. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Severities as vigil spells them (same scale as src/rules/severity.ts). */
export const NOTIFY_SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
/** One severity. */
export type NotifySeverity = (typeof NOTIFY_SEVERITIES)[number];

/** One alert inside an incident, in the shape Alertmanager's webhook v4 body carries. */
export interface AlertView {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  /** Epoch ms, or undefined while firing. */
  endsAt?: number | undefined;
  fingerprint?: string | undefined;
  generatorURL?: string | undefined;
}

/**
 * What templates and renderers know about an incident. It is a plain, already-resolved view
 * (built by the incident domain or read from a JSON file by `vigil template render`), so rendering
 * is a pure function with no store access.
 */
export interface IncidentView {
  /** Human id, e.g. `INC-42`; also the stable root of dedup keys (PagerDuty, Opsgenie alias). */
  id: string;
  title: string;
  severity: NotifySeverity;
  status: 'triggered' | 'acknowledged' | 'resolved';
  service: string;
  summary?: string | undefined;
  /** The measured value that crossed the threshold, as text (e.g. `97%`). */
  value?: string | undefined;
  labels: Record<string, string>;
  /** Epoch ms. */
  triggeredAt: number;
  resolvedAt?: number | undefined;
  runbookUrl?: string | undefined;
  dashboardUrl?: string | undefined;
  /** Link to the incident page in vigil's UI. */
  url?: string | undefined;
  /** One-click signed links (see action-links.ts). */
  ackUrl?: string | undefined;
  resolveUrl?: string | undefined;
  /** Who acknowledged / resolved / was escalated to. */
  actor?: string | undefined;
  escalationLevel?: number | undefined;
  handoff?: { from: string; to: string } | undefined;
  alerts?: AlertView[] | undefined;
  /** The aggregation group a route notification is for (Alertmanager's group key and labels). */
  group?: { key: string; labels: Record<string, string> } | undefined;
}

/**
 * The outcome of one delivery attempt, as classified by a channel adapter. `retryable` is for
 * 5xx, 429, timeouts and connection errors; `permanent` for every other refusal (bad config,
 * auth, payload rejected) and is never retried.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; status?: number; ref?: string }
  | { kind: 'retryable'; status?: number; retryAfterMs?: number; error: string }
  | { kind: 'permanent'; status?: number; error: string };

/**
 * What a delivery reads of an HTTP response: its status, a header by name and the body as text.
 * A WHATWG `Response` has all of it; the outbox's own client (`httpClient`) builds only this.
 */
export interface FetchResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A request's options: fetch's, plus a timeout for clients that apply it themselves. */
export interface FetchInit extends RequestInit {
  /** Read only by a client whose `ownTimeouts` is true; others get an AbortSignal instead. */
  timeoutMs?: number;
}

/**
 * A fetch-compatible function (global fetch, or the loopback-only fetch tests inject). One whose
 * `ownTimeouts` is true takes `timeoutMs` instead of an AbortSignal: a signal and its timer per
 * request were a third of the CPU of a send (docs/adr/0013-undici-http-client.md).
 */
export type FetchLike = ((input: string, init: FetchInit) => Promise<FetchResponse>) & {
  readonly ownTimeouts?: boolean;
};
