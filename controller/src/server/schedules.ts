/**
 * Schedules wired to the catalog and the dispatcher: the Scheduler (scheduler/) reads
 * and saves its times in the catalog, and each run becomes a job: a backup (followed,
 * when the schedule has a retention policy, by a forget job of the same schedule), a
 * verify whose "P%" subset rotates through the store ("k/M", k advancing each run, so M
 * runs read everything), or a forget. A schedule's next run is skipped while a job of
 * it is unfinished.
 */
import type { Clock } from '@coffer/shared/clock.js';
import { JobKind, JobState, type JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Schedule } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { ScheduleHooks } from '../api/controller-service.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { submitJob } from '../jobs/submit.js';
import type { Logger } from '../observability/log.js';
import { hasRetentionRule, Scheduler, validateSchedule, type ScheduleStore } from '../scheduler/index.js';

/** The verify subset of run number `run` (0-based) of a schedule asking for `subset`. */
export function rotatingSubset(subset: string, run: number): string {
  const p = /^(\d+(?:\.\d+)?)%$/.exec(subset);
  if (!p) return subset;
  const parts = Math.max(1, Math.ceil(100 / Number(p[1])));
  return parts === 1 ? '' : `${(run % parts) + 1}/${parts}`;
}

function specOf(s: Schedule, runs: number): JobSpec {
  switch (s.kind) {
    case JobKind.JOB_KIND_VERIFY:
      return { spec: { $case: 'verify', value: { store: s.store, readDataSubset: rotatingSubset(s.readDataSubset, runs), fast: false } } };
    case JobKind.JOB_KIND_FORGET:
      return { spec: { $case: 'forget', value: { store: s.store, retention: s.retention, source: s.source } } };
    default:
      return { spec: { $case: 'backup', value: { store: s.store, source: s.source, tags: s.tags, ignore: [] } } };
  }
}

/** Starts the scheduler; returns the hooks the API calls, and stop(). */
export function startSchedules(catalog: Catalog, dispatcher: Dispatcher, clock: Clock, log: Logger): ScheduleHooks & { stop(): void } {
  const store: ScheduleStore = {
    load: () => catalog.schedules.list().map((r) => ({ schedule: r.schedule, times: { nextRunMs: r.nextRunMs, lastRunMs: r.lastRunMs, anchorMs: r.anchorMs } })),
    saveTimes: (name, t) => catalog.schedules.saveTimes(name, t),
  };
  const scheduler = new Scheduler({
    clock,
    random: Math.random,
    store,
    isRunning: (name) => catalog.jobs.scheduleBusy(name),
    fire(s) {
      const runs = catalog.schedules.get(s.name)?.runs ?? 0;
      const job = submitJob(catalog, clock, specOf(s, runs), { schedule: s.name });
      catalog.schedules.ran(s.name, job.id);
      log.info({ schedule: s.name, job: job.id }, 'scheduled run started');
      dispatcher.kick();
    },
    onSkip: (s, reason) => log.warn({ schedule: s.name, reason: reason.code, count: reason.count }, reason.message),
    onError: (s, err) => log.error({ schedule: s.name, err }, 'schedule run failed'),
  });
  // A scheduled backup with a retention policy is followed by a forget job of the same schedule.
  dispatcher.onFinished((job) => {
    if (job.schedule === '' || job.state !== JobState.JOB_STATE_SUCCEEDED || job.spec.spec?.$case !== 'backup') return;
    const s = catalog.schedules.get(job.schedule)?.schedule;
    if (!s || !hasRetentionRule(s.retention)) return;
    try {
      const f = submitJob(catalog, clock, { spec: { $case: 'forget', value: { store: s.store, retention: s.retention, source: s.source } } }, { schedule: s.name });
      log.info({ schedule: s.name, job: f.id }, 'retention run queued after the backup');
      dispatcher.kick();
    } catch (err) {
      log.error({ schedule: s.name, err }, 'cannot queue the retention run');
    }
  });
  scheduler.start();
  return {
    validate: (s) => validateSchedule(s),
    added(name) {
      const r = catalog.schedules.get(name);
      if (r) scheduler.upsert(r.schedule);
    },
    removed(name) {
      scheduler.remove(name);
    },
    stop: () => scheduler.stop(),
  };
}
