/**
 * The notification layer's public surface, for the server, engine and CLI to import from one
 * place. See docs/notifications.md.
 */
export { notificationRequestSchema, notificationResponseSchema, type NotificationRequest } from './api.ts';
export { signActionLink, verifyActionLink, type ActionClaims } from './action-links.ts';
export { channelConfigSchema, createChannel, type Channel, type ChannelPayload } from './channels/index.ts';
export {
  loadNotifyChannels,
  notifyConfigSchema,
  parseNotifyConfig,
  validateNotifyConfig,
  type NotifyConfig,
} from './config.ts';
export { routeNotifications, userNotifications, type DispatchContext } from './dispatch.ts';
export { incidentViewSchema, parseIncidentView } from './incident-view.ts';
export {
  cancelNotifications,
  enqueueAndClaim,
  enqueueNotifications,
  listDeliveries,
  type DeliveryRecord,
  type NewNotification,
  type OutboxClaimer,
} from './outbox.ts';
export { runOutboxPass, type OutboxPassOptions, type OutboxPassResult } from './outbox-pass.ts';
export type { Claimed } from './outbox-claim.ts';
export { renderNotification, templateOverridesSchema, type TemplateOverrides } from './render.ts';
export type { IncidentView, NotifyEvent, ChannelType } from './types.ts';
export { DEFAULT_URGENCY, urgencyOf, type Urgency } from './urgency.ts';
export { planUserNotifications, userSchema, type UserConfig } from './users.ts';
