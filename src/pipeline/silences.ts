import type { FieldIssue } from '../shared/errors.ts';
import { VigilError } from '../shared/errors.ts';
import { type LabelSet, type Matcher, matches } from './matchers.ts';
import { regexError } from './regex.ts';

/** A silence matcher in Alertmanager's API v2 shape (`isEqual` defaults to true). */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean | undefined;
}

/**
 * A silence: Alertmanager's fields plus vigil's `expireOnResolve` (the silence ends when the alerts
 * it matched have resolved — Alertmanager #1057) and `notifyResolvedOnEnd` (alerts that resolved
 * while silenced still get their resolved notification when the silence ends — Alertmanager #226).
 */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  updatedAt?: number | undefined;
  expireOnResolve?: boolean | undefined;
  notifyResolvedOnEnd?: boolean | undefined;
}

/** Alertmanager's silence states. */
export type SilenceState = 'pending' | 'active' | 'expired';

/** Converts an API silence matcher to a `Matcher`. */
export function toMatcher(m: SilenceMatcher): Matcher {
  const eq = m.isEqual ?? true;
  return { name: m.name, value: m.value, op: m.isRegex ? (eq ? '=~' : '!~') : eq ? '=' : '!=' };
}

/** The state of `s` at `now`: expired once `endsAt <= now`, pending before `startsAt`, else active. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (s.endsAt <= now) return 'expired';
  if (s.startsAt > now) return 'pending';
  return 'active';
}

/**
 * Validates a silence as Alertmanager does and returns every issue (empty when valid): at least one
 * matcher; names non-empty; regexes valid RE2; at least one matcher that does not match the empty
 * string (otherwise it would silence everything); `endsAt` after `startsAt`; createdBy and comment set.
 */
export function validateSilence(s: Omit<Silence, 'id'> & { id?: string | undefined }): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (s.matchers.length === 0)
    issues.push({ field: 'matchers', message: 'at least one matcher is required' });
  let regexOk = true;
  s.matchers.forEach((m, i) => {
    if (!m.name) issues.push({ field: `matchers[${i}].name`, message: 'label name must not be empty' });
    if (m.isRegex) {
      const err = regexError(m.value);
      if (err) {
        regexOk = false;
        issues.push({ field: `matchers[${i}].value`, message: err });
      }
    }
  });
  if (s.matchers.length > 0 && regexOk && s.matchers.every((m) => matches(toMatcher(m), {})))
    issues.push({ field: 'matchers', message: 'at least one matcher must not match the empty string' });
  if (!(s.endsAt > s.startsAt)) issues.push({ field: 'endsAt', message: 'endsAt must be after startsAt' });
  if (!s.createdBy) issues.push({ field: 'createdBy', message: 'createdBy is required' });
  if (!s.comment) issues.push({ field: 'comment', message: 'comment is required' });
  return issues;
}

/** True when every matcher of `s` matches `labels`. */
export function silenceMatches(s: Pick<Silence, 'matchers'>, labels: LabelSet): boolean {
  return s.matchers.every((m) => matches(toMatcher(m), labels));
}

/** Ids of the silences active at `now` that match `labels`, sorted (Alertmanager's `silencedBy`). */
export function silencedBy(labels: LabelSet, silences: readonly Silence[], now: number): string[] {
  return silences
    .filter((s) => silenceState(s, now) === 'active' && silenceMatches(s, labels))
    .map((s) => s.id)
    .sort();
}

/** Expires `s` at `now` (DELETE): a pending silence gets start = end = now, an active one end = now. */
export function expireSilence(s: Silence, now: number): Silence {
  const st = silenceState(s, now);
  if (st === 'expired') throw new VigilError('conflict', `silence ${s.id} is already expired`);
  return st === 'pending'
    ? { ...s, startsAt: now, endsAt: now, updatedAt: now }
    : { ...s, endsAt: now, updatedAt: now };
}

function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => {
      const o = b[i];
      return (
        o !== undefined &&
        m.name === o.name &&
        m.value === o.value &&
        m.isRegex === o.isRegex &&
        (m.isEqual ?? true) === (o.isEqual ?? true)
      );
    })
  );
}

/** Alertmanager's `canUpdate`: same matchers, and time changes allowed by the old silence's state. */
export function canUpdateInPlace(prev: Silence, next: Omit<Silence, 'id'>, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt === prev.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    case 'expired':
      return false;
  }
}

/** What to write for a POST of a silence: the stored silence, and the old one to expire if replaced. */
export interface SilenceUpsert {
  silence: Silence;
  /** The previous version, expired, when it could not be updated in place. */
  expired?: Silence;
  created: boolean;
}

/**
 * Alertmanager's `Silences.Set`: with an existing `prev` the silence is updated in place only if its
 * matchers are unchanged (and the time change is allowed); otherwise the old one is expired (if not
 * already) and a new silence with `newId` is created. A start in the past is clamped to `now`.
 * Throws `validation_failed` with every issue.
 */
export function upsertSilence(
  prev: Silence | undefined,
  next: Omit<Silence, 'id'>,
  now: number,
  newId: string,
): SilenceUpsert {
  const issues = validateSilence(next);
  if (issues.length > 0) throw new VigilError('validation_failed', 'invalid silence', issues);
  if (prev && canUpdateInPlace(prev, next, now))
    return { silence: { ...next, id: prev.id, updatedAt: now }, created: false };
  const silence: Silence = { ...next, id: newId, startsAt: Math.max(next.startsAt, now), updatedAt: now };
  if (silence.endsAt <= silence.startsAt)
    throw new VigilError('validation_failed', 'invalid silence', [
      { field: 'endsAt', message: 'endsAt is in the past' },
    ]);
  if (prev && silenceState(prev, now) !== 'expired')
    return { silence, expired: expireSilence(prev, now), created: true };
  return { silence, created: true };
}

/** An alert as the silence lifecycle functions need it. */
export interface SilencedAlert {
  fingerprint: string;
  labels: LabelSet;
  startsAt: number;
  /** Resolved when `endsAt <= now`. */
  endsAt?: number | undefined;
}

const resolvedAt = (a: SilencedAlert, now: number): boolean => a.endsAt !== undefined && a.endsAt <= now;

/**
 * Ids of active `expireOnResolve` silences that must expire at `now`: the silence matched at least
 * one alert active during the silence, and none of its matching alerts is still firing. `alerts` are
 * the alerts the store holds (firing and recently resolved).
 */
export function silencesToExpireOnResolve(
  silences: readonly Silence[],
  alerts: readonly SilencedAlert[],
  now: number,
): string[] {
  const out: string[] = [];
  for (const s of silences) {
    if (!s.expireOnResolve || silenceState(s, now) !== 'active') continue;
    const hits = alerts.filter(
      (a) => silenceMatches(s, a.labels) && (a.endsAt === undefined || a.endsAt > s.startsAt),
    );
    if (hits.length > 0 && hits.every((a) => resolvedAt(a, now))) out.push(s.id);
  }
  return out.sort();
}

/**
 * For a `notifyResolvedOnEnd` silence that has ended by `now`: the fingerprints of alerts it matched
 * that resolved while it was active and whose firing state had been notified before (the caller
 * passes `notifiedFiring`), so their resolved notification is sent instead of being swallowed.
 */
export function resolvedToNotifyOnEnd(
  s: Silence,
  alerts: readonly (SilencedAlert & { notifiedFiring: boolean })[],
  now: number,
): string[] {
  if (!s.notifyResolvedOnEnd || silenceState(s, now) !== 'expired') return [];
  return alerts
    .filter(
      (a) =>
        a.notifiedFiring &&
        a.endsAt !== undefined &&
        a.endsAt >= s.startsAt &&
        a.endsAt <= s.endsAt &&
        silenceMatches(s, a.labels),
    )
    .map((a) => a.fingerprint)
    .sort();
}
