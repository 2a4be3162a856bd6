import type { StoredAlert } from '../alerts/alert-store.ts';
import type { NotificationLogEntry } from '../pipeline/group-timer.ts';
import type { InhibitionIndex } from '../pipeline/inhibit.ts';
import { silencedBy, type Silence } from '../pipeline/silences.ts';

/** How a group's alerts take part in one flush. */
export interface Membership {
  /** Neither silenced nor inhibited: what the flush decision and the notification see. */
  visible: StoredAlert[];
  /**
   * Resolved while silenced only by `notify_resolved_on_end` silences, after their firing state was
   * notified: they stay in the group (and in the logged firing set) until the silence ends, so the
   * first flush after that sends their resolved notice.
   */
  held: string[];
  /** Resolved and muted otherwise: they leave the group after a due flush, never notified. */
  dropped: string[];
  /** Whether any alert of the group still fires, muted or not (the group lives on while one does). */
  anyFiring: boolean;
}

/**
 * Splits a group's alerts for a flush at `now`, following Alertmanager: silenced and inhibited
 * alerts are left out of the notification (a silenced alert sends neither firing nor resolved
 * notices), but a group is kept while any of its alerts fires, muted or not, and a resolved muted
 * alert simply leaves the group. vigil's `notify_resolved_on_end` holds back instead of dropping.
 */
export function groupMembership(
  alerts: readonly StoredAlert[],
  silences: readonly Silence[],
  inhibition: InhibitionIndex | undefined,
  last: NotificationLogEntry | undefined,
  now: number,
): Membership {
  const out: Membership = { visible: [], held: [], dropped: [], anyFiring: false };
  const byId = new Map(silences.map((s) => [s.id, s]));
  const notified = new Set(last?.firing ?? []);
  for (const a of alerts) {
    const firing = a.endsAt > now;
    if (firing) out.anyFiring = true;
    const sil = silences.length === 0 ? [] : silencedBy(a.labels, silences, now);
    const inh = inhibition ? inhibition.inhibitedBy(a) : [];
    if (sil.length === 0 && inh.length === 0) {
      out.visible.push(a);
      continue;
    }
    if (firing) continue;
    const holdsBack = sil.length > 0 && sil.every((id) => byId.get(id)?.notifyResolvedOnEnd === true);
    if (holdsBack && notified.has(a.fingerprint)) out.held.push(a.fingerprint);
    else out.dropped.push(a.fingerprint);
  }
  return out;
}
