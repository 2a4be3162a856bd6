import type { EscalationPolicyConfig } from './schema.ts';

/**
 * The runtime model of escalation policies and targets (normalised from config once).
 */

/** Who or what a level notifies. */
export type Target =
  | { kind: 'user'; id: string }
  | { kind: 'schedule'; id: string; role: 'primary' | 'backup' }
  | { kind: 'team'; id: string; manager: boolean }
  | { kind: 'channel'; id: string };

/** One level: fires `afterMinutes` after the round started. */
export interface EscalationLevel {
  afterMinutes: number;
  notify: readonly Target[];
}

/** A normalised escalation policy. */
export interface EscalationPolicy {
  id: string;
  levels: readonly EscalationLevel[];
  /** Extra rounds after the first (0 = run the levels once). */
  repeat: number;
  /** Minutes from one round's start to the next. */
  roundMinutes: number;
  ackTimeoutMinutes?: number;
}

/** Parses a target string; null when malformed. `schedule:ID` means the primary on-call. */
export function parseTarget(text: string): Target | null {
  const m = /^(user|schedule|team|channel):([A-Za-z0-9][A-Za-z0-9._@-]*)(?::(backup|primary|manager))?$/.exec(
    text,
  );
  if (!m) return null;
  const [, kind, id = '', qual] = m;
  if (kind === 'user' && !qual) return { kind, id };
  if (kind === 'channel' && !qual) return { kind, id };
  if (kind === 'schedule' && qual !== 'manager')
    return { kind, id, role: qual === 'backup' ? 'backup' : 'primary' };
  if (kind === 'team' && (qual === undefined || qual === 'manager'))
    return { kind, id, manager: qual === 'manager' };
  return null;
}

/** Renders a target back to its string form. */
export function formatTarget(t: Target): string {
  switch (t.kind) {
    case 'schedule':
      return `schedule:${t.id}${t.role === 'backup' ? ':backup' : ''}`;
    case 'team':
      return `team:${t.id}${t.manager ? ':manager' : ''}`;
    default:
      return `${t.kind}:${t.id}`;
  }
}

/** Normalises a validated policy from config (throws RangeError on a malformed target). */
export function normalizePolicy(cfg: EscalationPolicyConfig): EscalationPolicy {
  const levels = cfg.levels.map((l) => ({
    afterMinutes: l.after_minutes,
    notify: l.notify.map((n) => {
      const t = parseTarget(n);
      if (!t) throw new RangeError(`bad target ${n}`);
      return t;
    }),
  }));
  const last = levels[levels.length - 1]?.afterMinutes ?? 0;
  return {
    id: cfg.id,
    levels,
    repeat: cfg.repeat,
    roundMinutes: cfg.repeat_after_minutes ?? last + 30,
    ...(cfg.ack_timeout_minutes !== undefined ? { ackTimeoutMinutes: cfg.ack_timeout_minutes } : {}),
  };
}
