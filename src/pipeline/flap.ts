import { z } from 'zod';

/**
 * Flap detection. An alert source (fingerprint) that starts firing `min_flaps` times within
 * `window_minutes` is *flapping*. vigil pages a source once: its first firing pages normally;
 * any re-fire while it has fired within the window — flapping or not yet — is attached to the
 * existing page (its flap count updated) instead of paging again. The source *settles* when it has
 * had no transition for `settle_minutes`; its next firing after that pages afresh.
 */
export const flapDetectionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  window_minutes: z.number().positive().default(30),
  min_flaps: z.number().int().min(2).default(3),
  settle_minutes: z.number().positive().default(30),
});

/** Flap detection settings as written in YAML (all optional). */
export type FlapDetectionConfig = z.input<typeof flapDetectionSchema>;

/** Resolved flap settings in ms. */
export interface FlapSettings {
  enabled: boolean;
  windowMs: number;
  minFlaps: number;
  settleMs: number;
}

/** Defaults: 3 firings within 30 minutes is flapping; settled after 30 quiet minutes. */
export function flapSettings(cfg: FlapDetectionConfig = {}): FlapSettings {
  const c = flapDetectionSchema.parse(cfg);
  return {
    enabled: c.enabled,
    windowMs: c.window_minutes * 60_000,
    minFlaps: c.min_flaps,
    settleMs: c.settle_minutes * 60_000,
  };
}

/** One state change of an alert source. */
export interface Transition {
  at: number;
  state: 'firing' | 'resolved';
}

/** The flap state of a source at an instant. */
export interface FlapState {
  flapping: boolean;
  /** Firing starts within the window ending at `now`. */
  flapCount: number;
  /** When the last transition happened (undefined without history). */
  lastTransitionAt?: number;
  /** When it will count as settled if nothing else happens. */
  settlesAt?: number;
}

/** The flap state of a source from its transitions (sorted by time) at `now`. */
export function flapState(history: readonly Transition[], s: FlapSettings, now: number): FlapState {
  const past = history.filter((t) => t.at <= now);
  const last = past[past.length - 1];
  if (!last) return { flapping: false, flapCount: 0 };
  const flapCount = past.filter((t) => t.state === 'firing' && t.at > now - s.windowMs).length;
  const settlesAt = last.at + s.settleMs;
  return {
    flapping: s.enabled && flapCount >= s.minFlaps && now < settlesAt,
    flapCount,
    lastTransitionAt: last.at,
    settlesAt,
  };
}

/** What to do with a new firing of a source. */
export type FlapDecision =
  | { kind: 'page'; flapCount: number }
  /** Attach to the page already sent for this source; `flapping` true once it crossed min_flaps. */
  | { kind: 'update'; flapCount: number; flapping: boolean };

/**
 * Decides a new firing at `now` given the source's earlier transitions: page when the source has
 * not fired within the window or has settled since its last transition; otherwise update the
 * existing page with the flap count.
 */
export function onFiring(history: readonly Transition[], s: FlapSettings, now: number): FlapDecision {
  const before = history.filter((t) => t.at < now);
  const last = before[before.length - 1];
  const firedRecently = before.some((t) => t.state === 'firing' && t.at > now - s.windowMs);
  const settled = !last || now - last.at >= s.settleMs;
  const st = flapState([...before, { at: now, state: 'firing' }], s, now);
  if (!s.enabled || !firedRecently || settled) return { kind: 'page', flapCount: st.flapCount };
  return { kind: 'update', flapCount: st.flapCount, flapping: st.flapping };
}
