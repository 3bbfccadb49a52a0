/**
 * When a schedule runs next: the pure core of the scheduler. A cron schedule runs when its
 * expression matches in its time zone; an interval schedule runs on a fixed grid,
 * `anchorMs + k * every_seconds`, so runs never drift however late or jittered each one
 * starts. Jitter then delays a run by a random [0, jitter_seconds), drawn from the injected
 * random source. No clock is read here.
 */
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { cronNext } from './cron.js';

/** A random source: numbers uniform in [0, 1), like `Math.random` (which production passes). */
export type Random = () => number;

/**
 * The fields of a schedule that decide when it runs, as in the proto (a validated schedule),
 * plus the origin of an interval's grid.
 */
export type ScheduleTiming = Pick<Schedule, 'cron' | 'timezone' | 'everySeconds' | 'jitterSeconds'> & {
  /** Interval schedules run at `anchorMs + k * everySeconds * 1000`; default 0 (the Unix epoch). */
  anchorMs?: number | undefined;
};

/**
 * The next time `schedule` runs strictly after `afterMs`: the next cron match (or grid point)
 * after `afterMs`, plus a jitter in [0, jitter_seconds) from `random`. Undefined only for a cron
 * expression that never matches again. Computing the next run from the time the previous run
 * was due keeps the grid, as long as the jitter is below the gap between runs (which
 * validateSchedule enforces).
 */
export function nextRun(schedule: ScheduleTiming, afterMs: number, random: Random): number | undefined {
  const nominal = nominalAfter(schedule, afterMs);
  return nominal === undefined ? undefined : nominal + jitterMs(schedule.jitterSeconds, random);
}

/** The next cron match or grid point strictly after `afterMs`, without jitter. */
export function nominalAfter(schedule: ScheduleTiming, afterMs: number): number | undefined {
  if (schedule.cron !== '') return cronNext(schedule.cron, schedule.timezone, afterMs);
  const every = schedule.everySeconds * 1000;
  if (!(every > 0)) return undefined;
  const anchor = schedule.anchorMs ?? 0;
  return anchor + (Math.floor((afterMs - anchor) / every) + 1) * every;
}

/**
 * How many cron matches (or grid points) fall in (`fromMs`, `toMs`], counting at most `limit`
 * (the count of a cron expression walks its matches one by one).
 */
export function runsBetween(schedule: ScheduleTiming, fromMs: number, toMs: number, limit: number): number {
  if (toMs <= fromMs) return 0;
  if (schedule.cron === '') {
    const every = schedule.everySeconds * 1000;
    if (!(every > 0)) return 0;
    const anchor = schedule.anchorMs ?? 0;
    const n = Math.floor((toMs - anchor) / every) - Math.floor((fromMs - anchor) / every);
    return Math.min(n, limit);
  }
  let n = 0;
  for (let t = nominalAfter(schedule, fromMs); t !== undefined && t <= toMs && n < limit; n++) {
    t = nominalAfter(schedule, t);
  }
  return n;
}

/** A delay in [0, jitterSeconds * 1000) ms; 0 without jitter. */
function jitterMs(jitterSeconds: number, random: Random): number {
  const span = jitterSeconds * 1000;
  if (!(span > 0)) return 0;
  return Math.min(span - 1, Math.max(0, Math.floor(random() * span)));
}
