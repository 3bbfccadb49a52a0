/**
 * GetDashboard: the fleet at a glance, from the catalog alone.
 *  - every source with the age of its last successful backup and the backup schedules
 *    that name it; it is overdue when a run of one of its (unpaused) schedules fell due
 *    after that backup (or after the schedule was made, if none) more than a grace ago
 *    (the schedule's jitter plus a quarter of its interval, at least a minute and at
 *    most an hour);
 *    `expected_interval_ms` is the shortest interval among them (a cron's: the gap
 *    between its next two runs);
 *  - failed jobs of the last 24 hours, jobs not finished yet (queued, dispatched,
 *    running), agents online and offline, and store usage from the snapshots agents
 *    reported, with each store's last check.
 */
import { JobKind, JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Schedule, SourceStatus, StoreUsage } from '@coffer/shared/gen/coffer/v1/controller.js';
import type { ScheduleRecord } from '../catalog/schedules.js';
import { nominalAfter } from '../scheduler/next-run.js';
import { agentViews } from './agent-views.js';
import type { ServiceDeps } from './controller-service.js';
import { jobView } from './job-calls.js';
import { sync, type ControllerApi } from './neutral.js';

const DAY_MS = 86_400_000;
const MIN_GRACE_MS = 60_000;
const MAX_GRACE_MS = 3_600_000;

/** A schedule's interval: every_seconds, or a cron's gap between its next two runs after `nowMs`. */
function intervalMs(s: Schedule, nowMs: number): number {
  if (s.cron === '') return s.everySeconds * 1000;
  const a = nominalAfter(s, nowMs);
  const b = a === undefined ? undefined : nominalAfter(s, a);
  return a !== undefined && b !== undefined ? b - a : 0;
}

/** Whether a run of `r` fell due after `sinceMs` more than its grace before `nowMs`. */
function missedRun(r: ScheduleRecord, sinceMs: number, nowMs: number): boolean {
  const due = nominalAfter({ ...r.schedule, anchorMs: r.anchorMs }, sinceMs);
  const grace = r.schedule.jitterSeconds * 1000 + Math.min(MAX_GRACE_MS, Math.max(MIN_GRACE_MS, intervalMs(r.schedule, nowMs) / 4));
  return due !== undefined && due + grace < nowMs;
}

export function dashboardCall(d: ServiceDeps): Pick<ControllerApi, 'getDashboard'> {
  const { catalog, dispatcher, clock } = d;
  return {
    getDashboard: sync(() => {
      const now = clock.now();
      const schedules = catalog.schedules.list().filter((r) => r.schedule.kind === JobKind.JOB_KIND_BACKUP);
      const lastJob = catalog.jobs.lastBackupBySource();
      const lastSnap = catalog.snapshots.lastBySource();
      const sources: SourceStatus[] = catalog.sources.list().map((src) => {
        const mine = schedules.filter((r) => r.schedule.source === src.name);
        const active = mine.filter((r) => !r.schedule.paused);
        const job = lastJob.get(src.name);
        const lastSuccessMs = Math.max(job?.finishedMs ?? 0, lastSnap.get(src.name) ?? 0);
        const intervals = active.map((r) => intervalMs(r.schedule, now)).filter((n) => n > 0);
        const next = active.map((r) => r.nextRunMs ?? 0).filter((n) => n > 0);
        return {
          source: { ...src, lastBackupMs: lastSnap.get(src.name) ?? 0 },
          schedules: mine.map((r) => r.schedule.name),
          lastSuccessMs,
          lastJobId: job?.id ?? '',
          expectedIntervalMs: intervals.length ? Math.min(...intervals) : 0,
          overdue: active.some((r) => missedRun(r, lastSuccessMs || r.createdMs, now)),
          nextRunMs: next.length ? Math.min(...next) : 0,
        };
      });
      const checks = catalog.checks.allStores();
      const usage = new Map(catalog.snapshots.usage().map((u) => [u.store, u]));
      const stores: StoreUsage[] = catalog.stores.list().map((s) => {
        const u = usage.get(s.name);
        const c = checks.get(s.name);
        return { store: s.name, snapshots: u?.snapshots ?? 0, logicalBytes: u?.logicalBytes ?? 0, addedBytes: u?.addedBytes ?? 0, lastSnapshotMs: u?.lastSnapshotMs ?? 0, lastVerifyMs: c?.timeMs ?? 0, lastVerifyOk: c?.ok ?? false };
      });
      const failed = catalog.jobs.list({ states: [JobState.JOB_STATE_FAILED], sinceMs: now - 8 * DAY_MS, limit: 500 }).filter((j) => j.finishedMs >= now - DAY_MS);
      const active = catalog.jobs.list({ states: [JobState.JOB_STATE_QUEUED, JobState.JOB_STATE_DISPATCHED, JobState.JOB_STATE_RUNNING], limit: 200 });
      return { sources, failedJobs: failed.slice(0, 100).map(jobView), agents: agentViews(catalog, dispatcher), stores, runningJobs: active.map(jobView), timeMs: now };
    }),
  };
}
