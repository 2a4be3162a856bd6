/**
 * Public API of the on-call core (pure: no database, no HTTP, time always passed in). Integration
 * code (config loader, server, engine) should import from here.
 */
export type {
  FixedShift,
  Layer,
  Override,
  Restriction,
  RotationVersion,
  ScheduleDef,
  Shift,
  ShiftReason,
  Slot,
  TemporarySchedule,
  TimeOff,
} from './model.ts';
export {
  UsersSectionSchema,
  TeamsSectionSchema,
  UserConfigSchema,
  TeamConfigSchema,
  type UserConfig,
  type TeamConfig,
} from './people-schema.ts';
export { ScheduleConfigSchema, SchedulesSectionSchema, type ScheduleConfig } from './schema.ts';
export { normalizeSchedule } from './normalize.ts';
export { shifts, type ShiftsOptions } from './resolve.ts';
export { whoIsOnCall, type OnCall, type WhoOptions } from './who.ts';
export { backupAt, type BackupOnCall } from './backup.ts';
export { validateOverride, overlappingOverrides, type OverrideContext } from './override-rules.ts';
export { scheduleCalendar, userCalendar, shiftUid, type IcalOptions } from './ical.ts';
export { makeFeedToken, verifyFeedToken, type FeedSubject } from './feed-token.ts';
export {
  handoffs,
  handoffsFromShifts,
  shiftChanges,
  affectedUsers,
  type Handoff,
  type ShiftChange,
} from './handoffs.ts';
export {
  personMetrics,
  scheduleMetrics,
  interruptionCategory,
  gini,
  type PageEvent,
  type PersonMetrics,
  type ScheduleMetrics,
  type MetricsInput,
} from './metrics.ts';
export {
  validateOncallConfig,
  parseOncallSections,
  type OncallSections,
  type OncallValidationOptions,
} from './validate-config.ts';
export { addWallClock, fromLocal, toLocal, isValidZone } from './zone-time.ts';
