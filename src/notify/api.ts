import { z } from 'zod';
import { NOTIFY_SEVERITIES } from './types.ts';

/**
 * Body of `POST /api/v1/notifications` (sent by `vigil notify`): an ad-hoc notification to the
 * named channels. The route renders it as a `triggered` event of a synthetic incident (or of
 * `incident` when given), enqueues it with routeNotifications, and answers 202 with the keys.
 */
export const notificationRequestSchema = z
  .object({
    channels: z.array(z.string().min(1)).min(1),
    severity: z.enum(NOTIFY_SEVERITIES),
    message: z.string().min(1).max(10_000),
    title: z.string().min(1).max(500).optional(),
    runbook_url: z.url().optional(),
    dashboard_url: z.url().optional(),
    /** An existing incident id (e.g. INC-1) to attach the notification to. */
    incident: z.string().min(1).optional(),
    /** Client-chosen idempotency key; retries of the same request enqueue nothing new. */
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict();
/** A parsed notification request. */
export type NotificationRequest = z.infer<typeof notificationRequestSchema>;

/** The 202 answer of `POST /api/v1/notifications`. */
export const notificationResponseSchema = z.object({
  incident: z.string(),
  notifications: z.array(z.object({ key: z.string(), channel: z.string(), queued: z.boolean() })),
});
/** A notification response. */
export type NotificationResponse = z.infer<typeof notificationResponseSchema>;
