import type { Channel } from './channels/index.ts';
import type { FallbackSpec, NewNotification } from './outbox.ts';
import { renderNotification, type TemplateOverrides } from './render.ts';
import type { IncidentView, NotifyEvent } from './types.ts';
import type { Urgency } from './urgency.ts';
import { planUserNotifications, type IncidentTiming, type UserConfig } from './users.ts';

/** What building notifications needs: the configured channels and template overrides. */
export interface DispatchContext {
  channels: ReadonlyMap<string, Channel>;
  templates?: TemplateOverrides | undefined;
}

function render(ctx: DispatchContext, channel: Channel, event: NotifyEvent, view: IncidentView) {
  return renderNotification(channel.type, event, view, {
    templates: ctx.templates,
    ...channel.renderOptions,
  });
}

function fallbackFor(
  ctx: DispatchContext,
  event: NotifyEvent,
  view: IncidentView,
  channelId: string | undefined,
  target: string | undefined,
): FallbackSpec | undefined {
  const ch = channelId ? ctx.channels.get(channelId) : undefined;
  if (!ch) return undefined;
  const payload = render(ctx, ch, event, view);
  return payload
    ? { channelId: ch.id, channelType: ch.type, target, destination: ch.destination(target), payload }
    : undefined;
}

/**
 * Notifications for channels a route (or `vigil notify`) names directly: one per channel, due
 * `dueAt`, key `<incident>:<event>[#occurrence]:route:<channel>`, with the channel's configured
 * fallback. Channels with nothing to send for the event (PagerDuty handoff) are skipped.
 */
export function routeNotifications(
  ctx: DispatchContext,
  req: {
    channelIds: readonly string[];
    event: NotifyEvent;
    view: IncidentView;
    dueAt: number;
    occurrence?: string;
  },
): NewNotification[] {
  const occ = req.occurrence ? `#${req.occurrence}` : '';
  const out: NewNotification[] = [];
  for (const id of req.channelIds) {
    const ch = ctx.channels.get(id);
    if (!ch) continue;
    const payload = render(ctx, ch, req.event, req.view);
    if (!payload) continue;
    out.push({
      key: `${req.view.id}:${req.event}${occ}:route:${id}`,
      incident: req.view.id,
      event: req.event,
      channelId: id,
      channelType: ch.type,
      destination: ch.destination(undefined),
      payload,
      dueAt: req.dueAt,
      fallback: fallbackFor(ctx, req.event, req.view, ch.fallback, undefined),
    });
  }
  return out;
}

/**
 * Notifications for one user paged about an incident: the user's rule steps for the urgency
 * (see planUserNotifications), each an outbox row due at its time with key
 * `<incident>:<event>[#occurrence]:<user>:<contact method>:<step>` and the user's fallback contact
 * method. For informational events (acknowledged, resolved, handoff) only the immediate steps
 * (`after: 0`) are used, so a user hears about it where they were first paged.
 */
export function userNotifications(
  ctx: DispatchContext,
  req: {
    user: UserConfig;
    urgency: Urgency;
    event: NotifyEvent;
    view: IncidentView;
    timing: IncidentTiming;
    now: number;
    occurrence?: string;
  },
): NewNotification[] {
  const paging = req.event === 'triggered' || req.event === 'escalated';
  const timing = paging ? req.timing : { triggeredAt: req.now };
  let plan = planUserNotifications(req.user, req.urgency, timing, req.now);
  if (!paging) plan = plan.filter((p) => p.dueAt === req.now || p.heldForQuietHours);
  const fbMethod = req.user.contact_methods.find((m) => m.id === req.user.fallback);
  const occ = req.occurrence ? `#${req.occurrence}` : '';
  const out: NewNotification[] = [];
  for (const p of plan) {
    const ch = ctx.channels.get(p.channelId);
    if (!ch) continue;
    const payload = render(ctx, ch, req.event, req.view);
    if (!payload) continue;
    const fallback =
      fbMethod && fbMethod.id !== p.contactMethod
        ? fallbackFor(ctx, req.event, req.view, fbMethod.channel, fbMethod.target)
        : undefined;
    out.push({
      key: `${req.view.id}:${req.event}${occ}:${req.user.id}:${p.contactMethod}:${p.step}`,
      incident: req.view.id,
      event: req.event,
      userId: req.user.id,
      channelId: ch.id,
      channelType: ch.type,
      target: p.target,
      destination: ch.destination(p.target),
      payload,
      dueAt: p.dueAt,
      fallback,
    });
  }
  return out;
}
