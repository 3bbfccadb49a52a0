/**
 * What to do about a schedule whose next run is due or past: the missed-run policy, pure. A
 * run found late by more than a grace (the controller was down, the host slept) was missed:
 * the policy `run-once` starts exactly one run now however many were missed, `skip` starts
 * none. A run within the grace is simply on time. Either way the next run is the first one
 * strictly after now, on the schedule's own grid, so a downtime never shifts later runs.
 */
import { nextRun, runsBetween, type Random, type ScheduleTiming } from './next-run.js';

/** Missed runs counted at most (the count is reported, never replayed). */
export const MISSED_COUNT_LIMIT = 100;

/** A schedule's timing and its policy for missed runs ('run-once' or 'skip'). */
export type MissedTiming = ScheduleTiming & { missed: string };

/** The outcome for a schedule that may be due. */
export interface DueDecision {
  /** Start one run now (the scheduler still refuses while the previous run is going). */
  runNow: boolean;
  /** Runs that came due and will not run: each missed one but the one run now (at most MISSED_COUNT_LIMIT). */
  missed: number;
  /** The next run, strictly after `nowMs`; undefined when a cron expression never matches again. */
  nextRunMs: number | undefined;
}

/**
 * Decides for a schedule whose stored next run is `nextRunMs`, at `nowMs`:
 * - not yet due (`nextRunMs > nowMs`): nothing; the stored next run stands;
 * - no stored next run, or a run already started at or after it (`lastRunMs >= nextRunMs`):
 *   nothing runs now; the next run is computed after now;
 * - due within `graceMs`: one run now (runs of the grid that also fell before now count as missed);
 * - later than that: policy `run-once`, one run now; `skip`, none; the rest count as missed.
 */
export function missedRuns(
  schedule: MissedTiming,
  lastRunMs: number | undefined,
  nextRunMs: number | undefined,
  nowMs: number,
  random: Random,
  graceMs = 0,
): DueDecision {
  if (nextRunMs !== undefined && nextRunMs > nowMs) return { runNow: false, missed: 0, nextRunMs };
  const next = nextRun(schedule, nowMs, random);
  if (nextRunMs === undefined || (lastRunMs !== undefined && lastRunMs >= nextRunMs)) {
    return { runNow: false, missed: 0, nextRunMs: next };
  }
  const due = Math.min(MISSED_COUNT_LIMIT, 1 + runsBetween(schedule, nextRunMs, nowMs, MISSED_COUNT_LIMIT));
  const runNow = nowMs - nextRunMs <= graceMs || schedule.missed !== 'skip';
  return { runNow, missed: due - (runNow ? 1 : 0), nextRunMs: next };
}
