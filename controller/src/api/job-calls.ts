/**
 * The job calls of ControllerService: RunJob, RerunJob (a finished job's spec again, as
 * a new job), GetJob, ListJobs (filtered by state, kind, agent, source, store and time),
 * WatchJob (the job each time it changes, until it ends), GetJobLogs, CancelJob, and
 * ListSnapshots. Unknown ids and names answer NOT_FOUND naming them.
 */
import { status } from '@grpc/grpc-js';
import { JobKind } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Job } from '@coffer/shared/gen/coffer/v1/controller.js';
import { FINAL_STATES, type JobRecord } from '../catalog/jobs.js';
import { submitJob } from '../jobs/submit.js';
import { watchJob } from '../jobs/watch.js';
import { ApiError, invalid, notFound } from './api-error.js';
import type { ServiceDeps } from './controller-service.js';
import { sync, type ControllerApi } from './neutral.js';

/** The API view of a job (without dispatcher-only fields). */
export function jobView(j: JobRecord): Job {
  return {
    id: j.id,
    kind: j.kind,
    spec: j.spec,
    state: j.state,
    agent: j.agent,
    attempt: j.attempt,
    maxAttempts: j.maxAttempts,
    schedule: j.schedule,
    createdMs: j.createdMs,
    startedMs: j.startedMs,
    finishedMs: j.finishedMs,
    deadlineMs: j.deadlineMs,
    progress: j.progress,
    result: j.result,
    history: j.history,
  };
}

type JobCalls = Pick<ControllerApi, 'runJob' | 'rerunJob' | 'getJob' | 'listJobs' | 'watchJob' | 'getJobLogs' | 'cancelJob' | 'listSnapshots'>;

export function jobCalls(d: ServiceDeps): JobCalls {
  const { catalog, dispatcher, clock } = d;
  /** The job of `id` or of a unique prefix of an id. */
  const job = (id: string): JobRecord => {
    let j = catalog.jobs.get(id);
    if (!j && id.length >= 4) {
      const ids = catalog.jobs.idsWithPrefix(id);
      if (ids.length > 1) throw new ApiError(status.INVALID_ARGUMENT, `job id prefix '${id}' names several jobs; give more of the id`);
      if (ids[0] !== undefined) j = catalog.jobs.get(ids[0]);
    }
    if (!j) throw notFound('job', id, "list jobs with 'coffer ctl job list'");
    return j;
  };
  const queue = (spec: JobRecord['spec'] | undefined, opts: { maxAttempts: number; waitSeconds: number }, by: string): Job => {
    const j = submitJob(catalog, clock, spec, opts);
    d.log.info({ job: j.id, kind: JobKind[j.kind], by }, 'job queued');
    dispatcher.kick();
    return jobView(j);
  };
  return {
    runJob: sync((req, ctx) => queue(req.spec, { maxAttempts: req.maxAttempts, waitSeconds: req.waitSeconds }, ctx.principal?.name ?? '')),
    rerunJob: sync((req, ctx) => {
      const old = job(req.id);
      if (!FINAL_STATES.has(old.state)) throw new ApiError(status.FAILED_PRECONDITION, `job ${req.id} has not finished; wait for it or cancel it first (coffer ctl job cancel ${req.id})`);
      return queue(old.spec, { maxAttempts: old.maxAttempts, waitSeconds: 0 }, ctx.principal?.name ?? '');
    }),
    getJob: sync((req) => jobView(job(req.id))),
    listJobs: sync((req) => {
      if (req.sinceMs < 0 || req.untilMs < 0) throw invalid(req.sinceMs < 0 ? 'since_ms' : 'until_ms', 'times are milliseconds since 1970, 0 for open');
      const limit = req.limit > 0 ? Math.min(req.limit, 10_000) : 100;
      const jobs = catalog.jobs.list({ states: req.states, kinds: req.kinds, agent: req.agent, source: req.source, store: req.store, sinceMs: req.sinceMs, untilMs: req.untilMs, limit });
      return { jobs: jobs.map(jobView) };
    }),
    async *watchJob(req, ctx) {
      const { id } = job(req.id);
      for await (const j of watchJob(catalog, dispatcher, id, ctx.signal)) yield jobView(j);
    },
    getJobLogs: sync((req) => {
      const { id } = job(req.id);
      return { lines: catalog.jobs.logs(id) };
    }),
    cancelJob: sync((req, ctx) => {
      const { id } = job(req.id);
      const j = dispatcher.cancel(id);
      if (!j) throw notFound('job', req.id, 'check the id');
      d.log.info({ job: id, by: ctx.principal?.name ?? '' }, 'job cancel requested');
      return jobView(j);
    }),
    listSnapshots: sync((req) => {
      if (req.store === '') throw invalid('store', 'say which store (--store NAME)');
      if (!catalog.stores.get(req.store)) throw notFound('store', req.store, "check 'coffer ctl store list'");
      return { snapshots: catalog.snapshots.list(req.store) };
    }),
  };
}
