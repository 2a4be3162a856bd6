import { backupAt } from '../oncall/backup.ts';
import type { Override, ScheduleDef } from '../oncall/model.ts';
import { whoIsOnCall } from '../oncall/who.ts';
import { formatTarget, type EscalationLevel, type Target } from './policy.ts';

/**
 * Resolves a level's targets to people (and channels) at one instant. Pure: schedules, teams and
 * runtime overrides are passed in. A level that reaches nobody says why, so the engine can fall
 * through to the next level at once (an `escalate` event with reason `empty-level`) instead of
 * waiting out the delay with nobody paged (GoAlert #4548).
 */

/** A team as escalation needs it. */
export interface TeamDef {
  id: string;
  members: readonly string[];
  manager?: string;
}

/** What `resolveLevel` needs to know. */
export interface ResolveContext {
  schedules: ReadonlyMap<string, ScheduleDef>;
  teams: ReadonlyMap<string, TeamDef>;
  /** Runtime overrides per schedule id. */
  overrides?: ReadonlyMap<string, readonly Override[]>;
  /** Known user ids; `user:ID` targets not in it resolve to nobody. */
  users?: ReadonlySet<string>;
  at: number;
}

/** A person reached by a level and why. */
export interface Recipient {
  user: string;
  /** The target that reached them, e.g. `schedule:ml-platform`. */
  via: string;
  /** Human-readable reason, recorded on the incident timeline. */
  why: string;
  /** True when reached as the primary on-call of a schedule (used by the assignee rule). */
  onCall: boolean;
}

/** The outcome of one target. */
export interface TargetOutcome {
  target: string;
  users: readonly Recipient[];
  channels: readonly string[];
  /** Set when the target reached nobody. */
  nobody?: string;
}

/** The outcome of a level. */
export interface LevelResolution {
  level: number;
  targets: readonly TargetOutcome[];
  /** Everyone reached, deduplicated (first target wins). */
  users: readonly Recipient[];
  channels: readonly string[];
  /** True when the level reaches no user and no channel: fall through to the next level now. */
  empty: boolean;
  /** Why targets reached nobody (one line per such target). */
  reasons: readonly string[];
}

/** Resolves one target at `ctx.at`. */
export function resolveTarget(t: Target, ctx: ResolveContext): TargetOutcome {
  const target = formatTarget(t);
  const none = (why: string): TargetOutcome => ({ target, users: [], channels: [], nobody: why });
  const people = (users: readonly string[], why: string, onCall: boolean): TargetOutcome =>
    users.length === 0
      ? none(why)
      : { target, users: users.map((user) => ({ user, via: target, why, onCall })), channels: [] };
  switch (t.kind) {
    case 'user':
      if (ctx.users && !ctx.users.has(t.id)) return none(`unknown user ${t.id}`);
      return people([t.id], `named in the policy`, false);
    case 'channel':
      return { target, users: [], channels: [t.id] };
    case 'team': {
      const team = ctx.teams.get(t.id);
      if (!team) return none(`unknown team ${t.id}`);
      if (t.manager) {
        return team.manager
          ? people([team.manager], `manager of team ${t.id}`, false)
          : none(`team ${t.id} has no manager`);
      }
      return people(
        team.members,
        team.members.length ? `member of team ${t.id}` : `team ${t.id} has no members`,
        false,
      );
    }
    case 'schedule': {
      const def = ctx.schedules.get(t.id);
      if (!def) return none(`unknown schedule ${t.id}`);
      const overrides = ctx.overrides?.get(t.id) ?? [];
      if (t.role === 'backup') {
        const b = backupAt(def, overrides, ctx.at);
        const why =
          b.why === 'backup-layer' ? `backup of ${t.id} (layer ${b.layer})` : `next in rotation of ${t.id}`;
        return b.users.length ? people(b.users, why, false) : none(`nobody is backup on ${t.id}`);
      }
      const w = whoIsOnCall(def, overrides, ctx.at, { next: false });
      const layer = w.shift.layer ? `, layer ${w.shift.layer}` : '';
      if (w.users.length === 0) return none(`nobody is on call for ${t.id}`);
      return people(w.users, `on call for ${t.id} (${w.shift.reason}${layer})`, true);
    }
  }
}

/** Resolves level `index` of a policy at `ctx.at`. */
export function resolveLevel(level: EscalationLevel, index: number, ctx: ResolveContext): LevelResolution {
  const targets = level.notify.map((t) => resolveTarget(t, ctx));
  const seen = new Set<string>();
  const users: Recipient[] = [];
  for (const o of targets) {
    for (const r of o.users) {
      if (!seen.has(r.user)) {
        seen.add(r.user);
        users.push(r);
      }
    }
  }
  const channels = [...new Set(targets.flatMap((o) => o.channels))];
  const reasons = targets.filter((o) => o.nobody !== undefined).map((o) => `${o.target}: ${o.nobody}`);
  return {
    level: index,
    targets,
    users,
    channels,
    empty: users.length === 0 && channels.length === 0,
    reasons,
  };
}

/**
 * The assignee rule: the incident is assigned to the on-call person the first level reached.
 * Takes resolutions in the order their steps fired and returns the first recipient reached as
 * a schedule's on-call; failing that, the first person reached at all; else null.
 */
export function assigneeFrom(resolutions: readonly LevelResolution[]): string | null {
  const first = resolutions.find((r) => r.users.length > 0);
  if (!first) return null;
  return (first.users.find((u) => u.onCall) ?? first.users[0])?.user ?? null;
}
