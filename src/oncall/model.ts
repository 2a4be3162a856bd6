/**
 * The normalised, runtime model of on-call schedules. Config (see `schema.ts`) is turned into
 * these plain objects once by `normalizeSchedule`; every pure function in `src/oncall` works
 * on them. All instants are epoch milliseconds; wall times are "local ms" (see `zone-time.ts`).
 */

/** One rotation slot: usually one user, or a group that is on call together. */
export type Slot = readonly string[];

/** A weekly window in the schedule's zone during which a layer may have someone on call. */
export interface Restriction {
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which the window *starts*. */
  days: readonly number[];
  /** Window start, ms after local midnight. */
  from: number;
  /** Window end, ms after local midnight; `to <= from` means it ends the next day. */
  to: number;
}

/** One effective-dated version of a layer's rotation. */
export interface RotationVersion {
  /** Instant from which this version applies (the previous version applies before it). */
  effectiveFrom: number;
  /** Rotation order; turn k belongs to `slots[k mod slots.length]`. */
  slots: readonly Slot[];
  /** Wall time (local ms) at which turn 0 begins; nobody is on call in this layer before it. */
  anchorLocal: number;
  /** Length of each turn in wall-clock ms (1w = 168 wall hours, whatever DST does). */
  turnMs: number;
  restrictions: readonly Restriction[];
}

/** A layer: a rotation whose definition may change over time. */
export interface Layer {
  name: string;
  /** `primary` layers make up who is on call; `backup` layers make up `schedule:ID:backup`. */
  role: 'primary' | 'backup';
  /** Sorted by `effectiveFrom`; the first version starts at -Infinity. */
  versions: readonly RotationVersion[];
}

/**
 * A window in which a user is unavailable (vacation, holiday). Their turns in every layer go to
 * `cover` when set, else to the next available slot of the same rotation.
 */
export interface TimeOff {
  user: string;
  start: number;
  end: number;
  cover?: string;
  note?: string;
}

/** A fixed shift inside a temporary schedule. */
export interface FixedShift {
  users: readonly string[];
  start: number;
  end: number;
}

/** A temporary schedule: inside [start, end) it replaces layers and overrides; gaps = nobody. */
export interface TemporarySchedule {
  start: number;
  end: number;
  shifts: readonly FixedShift[];
}

/**
 * An override, from config or created at run time.
 *
 * - `replace`: `user` takes the place of `replaces` while `replaces` is on call;
 * - `take_over`: `user` alone is on call for the whole schedule;
 * - `add`: `user` is on call in addition to whoever is;
 * - `remove`: `replaces` is taken off call (which may leave nobody).
 */
export interface Override {
  /** Stable id (the store's id at run time; `config:<index>` for config overrides). */
  id: string;
  kind: 'replace' | 'take_over' | 'add' | 'remove';
  /** The user who goes on call (absent for `remove`). */
  user?: string;
  /** The user taken off call (`replace` and `remove`). */
  replaces?: string;
  start: number;
  end: number;
}

/** A fully normalised schedule definition. */
export interface ScheduleDef {
  id: string;
  name?: string;
  timeZone: string;
  /** Ordered bottom to top: a later layer wins where it has someone on call. */
  layers: readonly Layer[];
  /** Overrides written in config (runtime overrides are passed separately). */
  overrides: readonly Override[];
  temporary: readonly TemporarySchedule[];
  timeOff: readonly TimeOff[];
  /** The team manager, the last resort the seed shape calls "manager". */
  manager?: string;
}

/** Why a user holds a shift. */
export type ShiftReason = 'rotation' | 'override' | 'temporary' | 'cover-for-vacation' | 'none';

/**
 * One piece of the final schedule. `shifts()` returns these tiling the requested range, with
 * `users: []` and reason `none` where nobody is on call.
 */
export interface Shift {
  scheduleId: string;
  start: number;
  end: number;
  /** Users on call, sorted by the order they were resolved (never duplicated). */
  users: readonly string[];
  /** Name of the layer that produced the shift; `null` for temporary shifts and gaps. */
  layer: string | null;
  reason: ShiftReason;
  /** For `cover-for-vacation`: the users whose time off this shift covers. */
  coveringFor?: readonly string[];
  /** Ids of the overrides that shaped this shift. */
  overrideIds?: readonly string[];
}
