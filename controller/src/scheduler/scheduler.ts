/**
 * The Scheduler: starts the runs of every schedule at their times. Guarantees:
 * - one Clock timer at a time, for the earliest next run of all schedules (a DueQueue), re-armed
 *   only when that changes, so thousands of schedules cost one timer; a wait is cut into steps of
 *   at most MAX_TIMER_MS, so long waits survive wall-clock steps and setTimeout's 24.8-day limit;
 * - a schedule never starts a run while `isRunning(name)`: the run is skipped (onSkip
 *   'still-running') and the schedule moves on to its next run;
 * - runs missed while the controller was down (found at start) or while the host slept (found
 *   later than graceMs) follow the schedule's policy: run-once starts one run now, skip none;
 *   either way onSkip ('missed') reports the ones that will not run, and later runs keep their grid;
 * - each decision is saved to the store before the run's job is created (fire);
 * - a tick handles each due schedule at most once, since its next run moves past now;
 * - errors from the store, fire() or onSkip go to onError and never stop the scheduler.
 * It reads the time and sets timers only through the injected Clock, and draws jitter only
 * from the injected random source.
 */
import type { Clock } from '@coffer/shared/clock.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import { DueQueue, type Due } from './due-queue.js';
import { missedRuns, type DueDecision } from './missed.js';
import { nextRun, type Random, type ScheduleTiming } from './next-run.js';
import type { ScheduleStore, ScheduleTimes } from './store.js';

/** A run found due later than this is missed (its policy applies); earlier, it is on time. */
export const DEFAULT_MISSED_GRACE_MS = 60_000;
/** The longest single timer; a longer wait is re-armed on waking. */
export const MAX_TIMER_MS = 3_600_000;

/** Why a due run did not start. */
export interface SkipReason {
  /** 'still-running': the previous run was still going. 'missed': found late, not run (by policy, or covered by the one run). */
  code: 'still-running' | 'missed';
  /** Runs skipped (for 'missed', counted up to MISSED_COUNT_LIMIT). */
  count: number;
  /** When the (first) skipped run was due. */
  dueMs: number;
  /** One line for the log and the UI. */
  message: string;
}

/** What the Scheduler works with. */
export interface SchedulerOptions {
  clock: Clock;
  /** Uniform in [0, 1): jitter. Production passes Math.random. */
  random: Random;
  store: ScheduleStore;
  /** True while the last run started for schedule `name` is unfinished; must be true as soon as fire() returns. */
  isRunning(name: string): boolean;
  /** Creates the job of one run of `schedule` (its times already saved). */
  fire(schedule: Schedule): void;
  /** A due run did not start. */
  onSkip?(schedule: Schedule, reason: SkipReason): void;
  /** The store, fire(), isRunning() or onSkip failed for `schedule`; the scheduler carries on. */
  onError(schedule: Schedule, err: unknown): void;
  /** @default DEFAULT_MISSED_GRACE_MS */
  graceMs?: number;
}

interface Entry {
  schedule: Schedule;
  times: ScheduleTimes;
}

/** Arms runs for all schedules of a store; see the module comment for its guarantees. */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue = new DueQueue();
  private started = false;
  private ticking = false;
  private cancelTimer: (() => void) | undefined;
  private armedAtMs: number | undefined;

  constructor(private readonly opts: SchedulerOptions) {}

  /**
   * Loads every schedule from the store, gives new ones a next run, applies the missed-run
   * policy to those due while the controller was down (firing run-once ones now), and arms the timer.
   */
  start(): void {
    if (this.started) throw new CofferError(ErrorCode.Internal, 'scheduler: already started');
    this.started = true;
    const now = this.opts.clock.now();
    for (const { schedule, times } of this.opts.store.load()) {
      const entry: Entry = { schedule, times: { ...times } };
      this.entries.set(schedule.name, entry);
      const t = entry.times;
      const anchorMs = isInterval(schedule) ? (t.anchorMs ?? t.nextRunMs ?? t.lastRunMs ?? now) : undefined;
      const nextRunMs = schedule.paused ? undefined : (t.nextRunMs ?? this.nextAfter(entry, now, anchorMs));
      if (anchorMs !== t.anchorMs || nextRunMs !== t.nextRunMs) {
        entry.times = { ...t, anchorMs, nextRunMs };
        this.save(entry);
      }
      if (nextRunMs !== undefined) this.queue.set(schedule.name, nextRunMs);
    }
    this.tick();
  }

  /** Cancels the timer and forgets the schedules; start() may be called again. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedAtMs = undefined;
    this.started = false;
    this.entries.clear();
    this.queue.clear();
  }

  /**
   * Adds a schedule (validated by validateSchedule) or replaces the one of that name. A new
   * schedule, or one whose timing changed (cron, timezone, every_seconds, jitter_seconds,
   * paused), gets its next run after now; an interval is anchored now when it is new or its
   * interval changed. Other changes keep the next run.
   */
  upsert(schedule: Schedule): void {
    this.assertStarted();
    const old = this.entries.get(schedule.name);
    if (old && !timingChanged(old.schedule, schedule)) {
      old.schedule = schedule;
      return;
    }
    const now = this.opts.clock.now();
    const sameGrid = old !== undefined && isInterval(old.schedule) && old.schedule.everySeconds === schedule.everySeconds;
    const anchorMs = isInterval(schedule) ? (sameGrid ? (old.times.anchorMs ?? now) : now) : undefined;
    const entry: Entry = { schedule, times: { lastRunMs: old?.times.lastRunMs, anchorMs, nextRunMs: undefined } };
    this.entries.set(schedule.name, entry);
    this.queue.delete(schedule.name);
    if (!schedule.paused) entry.times.nextRunMs = this.nextAfter(entry, now, anchorMs);
    if (entry.times.nextRunMs !== undefined) this.queue.set(schedule.name, entry.times.nextRunMs);
    this.save(entry);
    this.arm();
  }

  /** Forgets schedule `name`: it fires no more. True when it was known. */
  remove(name: string): boolean {
    this.assertStarted();
    const known = this.entries.delete(name);
    this.queue.delete(name);
    this.arm();
    return known;
  }

  /** Schedule `name` with its current next_run_ms and last_run_ms (0: none), or undefined. */
  get(name: string): Schedule | undefined {
    const entry = this.entries.get(name);
    return entry && view(entry);
  }

  /** The times of schedule `name`, as last saved. */
  times(name: string): ScheduleTimes | undefined {
    const entry = this.entries.get(name);
    return entry && { ...entry.times };
  }

  /** The earliest next run of all schedules: what the timer is armed for. */
  nextDue(): Due | undefined {
    return this.queue.peek();
  }

  /** Schedules known, paused ones included. */
  get size(): number {
    return this.entries.size;
  }

  /** Handles every schedule due by now, then re-arms. */
  private tick(): void {
    this.cancelTimer = undefined;
    this.ticking = true;
    try {
      const now = this.opts.clock.now();
      for (let left = this.queue.size; left > 0; left--) {
        const top = this.queue.peek();
        if (!top || top.atMs > now) break;
        this.queue.delete(top.name);
        const entry = this.entries.get(top.name);
        if (entry) this.handleDue(entry, now);
      }
    } finally {
      this.ticking = false;
      this.arm();
    }
  }

  /** One due schedule: decide, save, report skips, fire. */
  private handleDue(entry: Entry, now: number): void {
    const { schedule, times } = entry;
    let d: DueDecision;
    try {
      const grace = this.opts.graceMs ?? DEFAULT_MISSED_GRACE_MS;
      d = missedRuns(timing(entry, times.anchorMs), times.lastRunMs, times.nextRunMs, now, this.opts.random, grace);
    } catch (err) {
      this.report(schedule, err); // left unarmed until the schedule is updated
      return;
    }
    const dueMs = times.nextRunMs ?? now;
    const busy = d.runNow && this.guard(schedule, () => this.opts.isRunning(schedule.name)) !== false;
    const start = d.runNow && !busy;
    entry.times = { ...times, nextRunMs: d.nextRunMs, lastRunMs: start ? now : times.lastRunMs };
    if (d.nextRunMs !== undefined) this.queue.set(schedule.name, d.nextRunMs);
    this.save(entry);
    const at = new Date(dueMs).toISOString();
    if (d.missed > 0) {
      const policy = schedule.missed || 'run-once';
      const message = `schedule '${schedule.name}': ${d.missed} run(s) due since ${at} did not run (missed: ${policy})`;
      this.skip(entry, { code: 'missed', count: d.missed, dueMs, message });
    }
    if (busy) {
      const message = `schedule '${schedule.name}': the run due at ${at} was skipped: the previous run is still going`;
      this.skip(entry, { code: 'still-running', count: 1, dueMs, message });
    }
    if (start) this.guard(schedule, () => this.opts.fire(view(entry)));
  }

  /** Sets the one timer for the earliest next run, unless it is already set for it. */
  private arm(): void {
    if (!this.started || this.ticking) return;
    const atMs = this.queue.peek()?.atMs;
    if (this.cancelTimer && atMs === this.armedAtMs) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedAtMs = atMs;
    if (atMs === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, atMs - this.opts.clock.now()));
    this.cancelTimer = this.opts.clock.setTimer(() => this.tick(), delay);
  }

  private nextAfter(entry: Entry, afterMs: number, anchorMs: number | undefined): number | undefined {
    try {
      return nextRun(timing(entry, anchorMs), afterMs, this.opts.random);
    } catch (err) {
      this.report(entry.schedule, err);
      return undefined;
    }
  }

  private save(entry: Entry): void {
    this.guard(entry.schedule, () => this.opts.store.saveTimes(entry.schedule.name, { ...entry.times }));
  }

  private skip(entry: Entry, reason: SkipReason): void {
    this.guard(entry.schedule, () => this.opts.onSkip?.(view(entry), reason));
  }

  /** Runs `fn`, reporting what it throws; undefined when it threw. */
  private guard<T>(schedule: Schedule, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.report(schedule, err);
      return undefined;
    }
  }

  private report(schedule: Schedule, err: unknown): void {
    try {
      this.opts.onError(schedule, err);
    } catch {
      // onError is the last resort; what it throws has nowhere to go.
    }
  }

  private assertStarted(): void {
    if (!this.started) throw new CofferError(ErrorCode.Internal, 'scheduler: start() it before changing schedules');
  }
}

function isInterval(s: Schedule): boolean {
  return s.cron === '' && s.everySeconds > 0;
}

function timing(entry: Entry, anchorMs: number | undefined): ScheduleTiming & { missed: string } {
  const s = entry.schedule;
  return { cron: s.cron, timezone: s.timezone, everySeconds: s.everySeconds, jitterSeconds: s.jitterSeconds, missed: s.missed, anchorMs };
}

function timingChanged(a: Schedule, b: Schedule): boolean {
  return (
    a.cron !== b.cron ||
    a.timezone !== b.timezone ||
    a.everySeconds !== b.everySeconds ||
    a.jitterSeconds !== b.jitterSeconds ||
    a.paused !== b.paused
  );
}

/** The schedule with the scheduler's times in its proto fields. */
function view(entry: Entry): Schedule {
  return { ...entry.schedule, nextRunMs: entry.times.nextRunMs ?? 0, lastRunMs: entry.times.lastRunMs ?? 0 };
}
