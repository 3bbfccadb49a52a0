/**
 * Where the scheduler keeps its decisions: the ScheduleStore port (the SQLite catalog
 * implements it) and an in-memory implementation for tests. The store holds the schedules'
 * definitions (the catalog writes those when the API adds them); the scheduler only reads them
 * at start and writes each schedule's times.
 */
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';

/** What the scheduler records about a schedule, besides its definition. */
export interface ScheduleTimes {
  /** When the next run is due (jitter included); undefined while paused, or when a cron never matches again. */
  nextRunMs: number | undefined;
  /** When the last run was started (its job created); undefined before the first. */
  lastRunMs: number | undefined;
  /** Origin of an interval schedule's grid (when it was created, or its interval last changed); undefined for cron. */
  anchorMs: number | undefined;
}

/** A schedule as stored, with its times. */
export interface StoredSchedule {
  readonly schedule: Schedule;
  readonly times: ScheduleTimes;
}

/**
 * Persistence of schedules for the scheduler. Calls are synchronous (better-sqlite3 is), and
 * a schedule's three times are written together, atomically.
 */
export interface ScheduleStore {
  /** Every schedule, paused ones included, with the times last saved. Called once, by Scheduler.start(). */
  load(): StoredSchedule[];
  /**
   * Records the times of schedule `name`; durable when it returns. Called after every decision
   * (a run started, skipped, or rescheduled), before the run's job is created, so a crash
   * between the two loses that run rather than repeating it. A name the store no longer
   * holds (a schedule just removed) is ignored.
   */
  saveTimes(name: string, times: ScheduleTimes): void;
}

/** A ScheduleStore in memory (tests); `saves` counts saveTimes calls. */
export class MemoryScheduleStore implements ScheduleStore {
  private readonly rows = new Map<string, StoredSchedule>();
  saves = 0;

  constructor(rows: readonly StoredSchedule[] = []) {
    for (const row of rows) this.rows.set(row.schedule.name, { schedule: row.schedule, times: { ...row.times } });
  }

  /** Adds or replaces a schedule's definition, keeping its times (what the catalog does for the API). */
  put(schedule: Schedule): void {
    const times = this.rows.get(schedule.name)?.times ?? { nextRunMs: undefined, lastRunMs: undefined, anchorMs: undefined };
    this.rows.set(schedule.name, { schedule, times });
  }

  /** Removes a schedule. */
  delete(name: string): void {
    this.rows.delete(name);
  }

  /** The times last saved for `name`. */
  times(name: string): ScheduleTimes | undefined {
    const times = this.rows.get(name)?.times;
    return times && { ...times };
  }

  load(): StoredSchedule[] {
    return [...this.rows.values()].map((r) => ({ schedule: r.schedule, times: { ...r.times } }));
  }

  saveTimes(name: string, times: ScheduleTimes): void {
    this.saves++;
    const row = this.rows.get(name);
    if (row) this.rows.set(name, { schedule: row.schedule, times: { ...times } });
  }
}
