/**
 * The scheduler's public surface: validateSchedule for the API, the pure nextRun and
 * missedRuns, the Scheduler with its ScheduleStore port, and an in-memory store for tests.
 */
export { validateSchedule, hasRetentionRule, MISSED_POLICIES, type MissedPolicy } from './validate.js';
export { MIN_INTERVAL_S } from './validate-timing.js';
export { nextRun, type Random, type ScheduleTiming } from './next-run.js';
export { missedRuns, MISSED_COUNT_LIMIT, type DueDecision, type MissedTiming } from './missed.js';
export type { Due } from './due-queue.js';
export { MemoryScheduleStore, type ScheduleStore, type ScheduleTimes, type StoredSchedule } from './store.js';
export {
  Scheduler,
  DEFAULT_MISSED_GRACE_MS,
  MAX_TIMER_MS,
  type SchedulerOptions,
  type SkipReason,
} from './scheduler.js';
