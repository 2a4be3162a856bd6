import type { Alert } from './alert.ts';

/**
 * Combines a stored alert with a newly received one of the same fingerprint, exactly as
 * Alertmanager does: the one updated later wins, startsAt is the earlier of the two, and an
 * explicit (non-timeout) endsAt from the older alert is kept when it is later; if both are
 * resolved, the later endsAt wins. Alerts whose activity ranges do not overlap are not merged:
 * the new one replaces the old (a re-fire after resolution starts a new lifecycle).
 */
export function mergeAlert(old: Alert | undefined, incoming: Alert, now: number): Alert {
  if (!old) return incoming;
  const overlaps =
    (incoming.endsAt > old.startsAt && incoming.endsAt < old.endsAt) ||
    (incoming.startsAt > old.startsAt && incoming.startsAt < old.endsAt);
  if (!overlaps) return incoming;
  return mergeOverlapping(old, incoming, now);
}

function mergeOverlapping(a: Alert, o: Alert, now: number): Alert {
  if (o.updatedAt < a.updatedAt) return mergeOverlapping(o, a, now);
  const res: Alert = { ...o };
  if (a.startsAt < o.startsAt) res.startsAt = a.startsAt;
  const resolved = (x: Alert): boolean => x.endsAt <= now;
  if (resolved(o)) {
    if (resolved(a) && a.endsAt > o.endsAt) res.endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    res.endsAt = a.endsAt;
    res.timeout = false;
  }
  return res;
}
