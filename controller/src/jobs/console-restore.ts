/**
 * StoreService.Restore on the controller: a restore job, not a forwarded call. The
 * selection (`paths`) of the snapshot goes to the catalog destination named by `target`,
 * run by the job system on that destination's agent (one attempt, as every restore), so
 * it shows in the jobs list with its history and logs like any other. The stream reports
 * the job's progress while it runs and ends with the outcome, which names the job. A
 * caller that goes away stops watching; the job goes on (cancel it as a job).
 */
import { status } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import { parseSummary } from '@coffer/shared/events.js';
import { JobState, type JobSpec } from '@coffer/shared/gen/coffer/v1/common.js';
import type { RestoreEvent, RestoreOutcome, StoreRestoreRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { Catalog } from '../catalog/catalog.js';
import type { JobRecord } from '../catalog/jobs.js';
import type { Logger } from '../observability/log.js';
import { submitJob } from './submit.js';
import { watchJob, type JobChanges } from './watch.js';

export interface ConsoleRestoreDeps {
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly jobs: JobChanges & { kick(): void };
}

/** The job spec of a console restore. */
export function restoreSpec(req: StoreRestoreRequest): JobSpec {
  if (req.target === '') throw new RpcError(status.INVALID_ARGUMENT, 'target: say which catalog destination to restore to');
  // One path travels as `path`, which every agent reads; a selection needs `paths`.
  const one = req.paths.length === 1 ? (req.paths[0] ?? '') : '';
  return {
    spec: {
      $case: 'restore',
      value: { store: req.store, snapshot: req.snapshot, path: one, paths: req.paths.length > 1 ? req.paths : [], destination: req.target, overwrite: req.overwrite },
    },
  };
}

function outcomeOf(j: JobRecord): RestoreOutcome {
  const s = j.result ? parseSummary(j.result.summaryJson, 'restore') : undefined;
  const ok = j.state === JobState.JOB_STATE_SUCCEEDED;
  const error = j.result?.error || (ok ? '' : (j.history.at(-1)?.message ?? 'the restore failed'));
  return {
    ok,
    files: s?.files ?? 0,
    bytes: s?.bytes ?? 0,
    skipped: s?.skipped ?? 0,
    errors: s?.errors ?? (ok ? 0 : 1),
    errorList: ok ? [] : [{ path: '', error }],
    durationMs: j.finishedMs > 0 && j.startedMs > 0 ? j.finishedMs - j.startedMs : 0,
    jobId: j.id,
  };
}

/** The Restore handler. */
export function consoleRestore(d: ConsoleRestoreDeps): (req: StoreRestoreRequest, ctx: CallContext) => AsyncIterable<RestoreEvent> {
  return async function* (req, ctx) {
    const job = submitJob(d.catalog, d.clock, restoreSpec(req), { maxAttempts: 1 });
    d.log.info({ job: job.id, store: req.store, destination: req.target, paths: req.paths.length, by: ctx.principal?.name ?? '' }, 'console restore queued');
    d.jobs.kick();
    for await (const j of watchJob(d.catalog, d.jobs, job.id, ctx.signal)) {
      if (j.state === JobState.JOB_STATE_SUCCEEDED || j.state === JobState.JOB_STATE_FAILED || j.state === JobState.JOB_STATE_CANCELLED) {
        yield { event: { $case: 'result', value: outcomeOf(j) } };
        return;
      }
      // Before the agent reports progress, the phase says where the job is (queued, dispatched).
      const phase = (JobState[j.state] ?? '').replace('JOB_STATE_', '').toLowerCase();
      yield { event: { $case: 'progress', value: j.progress ?? { phase, files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, bytesPerSecond: 0, errors: 0, unit: '' } } };
    }
  };
}
