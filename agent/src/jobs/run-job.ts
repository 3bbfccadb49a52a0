/**
 * Runs a job the controller sent (RunJob) as coffer child processes, the way Backrest
 * runs restic: each job gets its own process (isolation, real cancellation by signal,
 * every CLI feature), a private config folder naming its store, source and destination
 * (job-config-dir.ts), and the store's passphrase in COFFER_PASSPHRASE — never on the
 * command line, in a file or in the log. The identities of the stores jobs used are
 * remembered across jobs in `<workDir>/state/` (COFFER_STATE_DIR). The process's --json
 * output becomes progress, log lines and the JobResult; its exit becomes the job's state
 * (job-outcome.ts).
 *
 * Guarantees: the returned promise never rejects; while a process runs, the job is
 * recorded under `<workDir>/running/`; when the promise resolves, the result is in the
 * outbox (`<workDir>/outbox/<jobId>.json`, until acknowledged) and the job's temporary
 * folder is gone. A cancellation ends the job within `graceMs` plus a few seconds.
 */
import path from 'node:path';
import { systemClock, type Clock } from '@coffer/shared/clock.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { formatEvent, type SummaryEvent } from '@coffer/shared/events.js';
import type { RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobState, type JobResult, type LogLine, type Progress, type SnapshotSummary } from '@coffer/shared/gen/coffer/v1/common.js';
import { runChild } from './child-process.js';
import { type CliFailure, parseStdoutLine, ProgressMeter, stderrLevel } from './cli-output.js';
import { createJobConfigDir } from './job-config-dir.js';
import { JobLog } from './job-log.js';
import { judgeStep, type StepEnd, type StepVerdict } from './job-outcome.js';
import { type JobStep, planJob } from './job-plan.js';
import { Outbox } from './outbox.js';
import { RunningJobs } from './running-jobs.js';
import { snapshotSummaryOf } from './snapshot-summary.js';
import { leftOut, summaryLine } from '@coffer/shared/summary-line.js';

/** Options of {@link runJob}. */
export interface RunJobOptions {
  /** The agent's data folder (outbox/, running/, tmp/ go there). */
  readonly workDir: string;
  /** Path of bin/coffer.js; run with this Node (process.execPath). */
  readonly cofferBin: string;
  /** Aborting it cancels the job: SIGINT to the process, SIGKILL after graceMs. */
  readonly signal: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly onLog?: (line: LogLine) => void;
  /** The passphrase of a store the agent keeps itself (used when RunJob.passphrase is empty). */
  readonly localPassphrase?: (store: string) => string | undefined | Promise<string | undefined>;
  /** Environment of the processes. COFFER_PASSPHRASE*, COFFER_TO_PASSPHRASE* and COFFER_STORE are removed. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Time a cancelled process gets to stop after SIGINT. @default 10000 */
  readonly graceMs?: number;
  /** Time limit of the whole job (0: none); reaching it stops the job like a cancel, FAILED. @default 7 days */
  readonly timeoutMs?: number;
  /** `maintenance --grace` after a forget. @default the CLI's (24h) */
  readonly pruneGrace?: string;
  /** Log lines passed to onLog at the most. @default 10000 */
  readonly maxLogLines?: number;
  /** Told each coffer process started (pid and arguments after bin/coffer.js). */
  readonly onStart?: (pid: number, args: readonly string[]) => void;
  /** @default systemClock */
  readonly clock?: Clock;
}

/** A finished job. */
export interface JobOutcome {
  /** SUCCEEDED, FAILED or CANCELLED. */
  readonly state: JobState;
  readonly result: JobResult;
}

const SECRET_ENV = /^COFFER_(PASSPHRASE|TO_PASSPHRASE|STORE)/;

/** Folder, under the agent's data folder, of the identities of the stores its jobs used (cli/known-stores.ts). */
export const JOB_STATE_DIR = 'state';

function childEnv(base: NodeJS.ProcessEnv, workDir: string, xdg: string, passphrase: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !SECRET_ENV.test(k)) env[k] = v;
  env.XDG_CONFIG_HOME = xdg;
  // Kept across jobs (the config folder is not), so that a replaced store is noticed.
  env.COFFER_STATE_DIR = path.resolve(workDir, JOB_STATE_DIR);
  // Retries of the store show in the job's log and history (storage/sftp-register.ts).
  env.COFFER_RETRY_WARNINGS = '1';
  if (passphrase) env.COFFER_PASSPHRASE = passphrase;
  return env;
}

function outcomeOf(v: StepVerdict, extra: { snapshot?: SnapshotSummary | undefined; summaryJson?: string } = {}): JobOutcome {
  const ok = v.state === JobState.JOB_STATE_SUCCEEDED;
  return {
    state: v.state,
    result: { ok, error: ok ? '' : v.error, retryable: v.retryable, exitCode: v.exitCode, snapshot: extra.snapshot, summaryJson: extra.summaryJson ?? '' },
  };
}

/** What a step's process said, besides progress and log lines. */
interface StepOutput {
  readonly end: StepEnd;
  readonly summary: SummaryEvent | undefined;
}

interface StepContext {
  readonly run: RunJob;
  readonly opts: RunJobOptions;
  readonly log: JobLog;
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly timeoutMs: number;
}

async function runStep(step: JobStep, c: StepContext): Promise<StepOutput> {
  const running = new RunningJobs(c.opts.workDir);
  const meter = new ProgressMeter();
  let failure: CliFailure | undefined;
  let lastError: string | undefined;
  let summary: SummaryEvent | undefined;
  let recorded: Promise<void> = Promise.resolve();
  const exit = await runChild({
    file: process.execPath,
    args: [c.opts.cofferBin, ...step.args],
    env: c.env,
    cwd: c.cwd,
    signal: c.opts.signal,
    graceMs: c.opts.graceMs ?? 10_000,
    timeoutMs: c.timeoutMs,
    clock: c.clock,
    onSpawn: (pid) => {
      recorded = running
        .record({ jobId: c.run.jobId, pid, startedMs: c.clock.now(), cofferBin: c.opts.cofferBin })
        .catch((e: unknown) => c.log.line('error', `cannot record the running job: ${(e as Error).message}`));
      c.opts.onStart?.(pid, step.args);
    },
    onStdout: (line) => {
      const ev = parseStdoutLine(line);
      if (ev.type === 'status') {
        try {
          c.opts.onProgress?.(meter.next(ev.status, c.clock.now()));
        } catch {
          // the caller's problem; the job goes on
        }
      } else if (ev.type === 'summary') summary = ev.summary;
      else if (ev.type === 'failure') failure = ev.failure;
      else if (ev.type === 'issue') c.log.line(ev.level, ev.message);
      else if (ev.line.trim() !== '') c.log.line('info', ev.line);
    },
    onStderr: (line) => {
      const l = line.trim();
      if (l === '') return;
      if (l.startsWith('coffer: ')) lastError = l.slice('coffer: '.length);
      c.log.line(stderrLevel(l), l);
    },
  });
  await recorded;
  return { end: { exit, failure, lastError, timeoutMs: c.timeoutMs }, summary };
}

async function attempt(run: RunJob, opts: RunJobOptions, log: JobLog, clock: Clock): Promise<JobOutcome> {
  const plan = planJob(run, { pruneGrace: opts.pruneGrace });
  const storeName = run.store?.name || 'store';
  const passphrase = run.passphrase || (await opts.localPassphrase?.(storeName)) || undefined;
  if (passphrase) log.addSecret(passphrase);
  if (opts.signal.aborted) return outcomeOf({ state: JobState.JOB_STATE_CANCELLED, error: 'cancelled', retryable: false, exitCode: -1 });
  const dir = createJobConfigDir(opts.workDir, run.jobId, plan.config);
  try {
    const env = childEnv(opts.env ?? process.env, opts.workDir, dir.xdgConfigHome, passphrase);
    const limit = opts.timeoutMs ?? 7 * 86_400_000;
    const deadline = clock.now() + limit;
    const summaries = new Map<string, SummaryEvent>();
    let verdict: StepVerdict | undefined;
    for (const [i, step] of plan.steps.entries()) {
      if (i > 0 && opts.signal.aborted) {
        verdict = { state: JobState.JOB_STATE_CANCELLED, error: 'cancelled', retryable: false, exitCode: verdict?.exitCode ?? -1 };
        break;
      }
      const timeoutMs = limit > 0 ? Math.max(1, deadline - clock.now()) : 0;
      const out = await runStep(step, { run, opts, log, clock, env, cwd: dir.xdgConfigHome, timeoutMs });
      verdict = judgeStep({ ...out.end, timeoutMs: limit });
      if (out.summary) {
        summaries.set(step.verb, out.summary);
        log.line('info', summaryLine(out.summary));
      }
      if (verdict.warning) {
        const counts = leftOut(out.summary);
        verdict = { ...verdict, warning: counts ? `${verdict.warning} (${counts})` : verdict.warning };
        log.line('warn', `${step.verb} ${verdict.warning}`);
      }
      if (verdict.state !== JobState.JOB_STATE_SUCCEEDED) {
        if (i > 0 && verdict.state === JobState.JOB_STATE_FAILED) verdict = { ...verdict, error: `${step.verb} after ${plan.steps[0]?.verb ?? ''}: ${verdict.error}` };
        break;
      }
    }
    if (!verdict) throw new Error(`job ${run.jobId} has no steps`);
    // The first step's summary, with those of later steps under their verb ({…forget, maintenance: {…}}).
    const [head, ...later] = plan.steps.map((s) => [s.verb, summaries.get(s.verb)] as const);
    const first = head?.[1];
    const combined = first ? { ...first, ...Object.fromEntries(later.filter(([, v]) => v !== undefined)) } : undefined;
    const source = run.spec?.spec?.$case === 'backup' ? run.spec.spec.value.source || run.source?.name || '' : '';
    const snapshot = first?.verb === 'backup' ? snapshotSummaryOf(first, storeName, source) : undefined;
    return outcomeOf({ ...verdict, error: log.redact(verdict.error) }, { snapshot, summaryJson: combined ? formatEvent(combined) : '' });
  } finally {
    dir.remove();
  }
}

/** Runs one job to its end; see the module comment for the guarantees. */
export async function runJob(run: RunJob, opts: RunJobOptions): Promise<JobOutcome> {
  const clock = opts.clock ?? systemClock;
  const log = new JobLog(opts.onLog, clock, opts.maxLogLines ?? 10_000);
  let outcome: JobOutcome;
  try {
    outcome = await attempt(run, opts, log, clock);
  } catch (err) {
    const error = log.redact(CofferError.from(err).message);
    outcome = outcomeOf({ state: JobState.JOB_STATE_FAILED, error, retryable: false, exitCode: -1 });
  }
  // Stopped because the agent is shutting down (abort reason Retryable), not cancelled by
  // the user: a failure the controller retries.
  const reason: unknown = opts.signal.reason;
  if (outcome.state === JobState.JOB_STATE_CANCELLED && reason instanceof CofferError && reason.code === ErrorCode.Retryable) {
    outcome = outcomeOf({ state: JobState.JOB_STATE_FAILED, error: reason.message, retryable: true, exitCode: outcome.result.exitCode });
  }
  if (outcome.state === JobState.JOB_STATE_FAILED) log.line('error', `job failed: ${outcome.result.error}`);
  log.close();
  try {
    await new Outbox(opts.workDir).put({ jobId: run.jobId, state: outcome.state, result: outcome.result });
    await new RunningJobs(opts.workDir).remove(run.jobId);
  } catch (err) {
    log.line('error', `cannot save the job's result in the outbox: ${(err as Error).message}`);
  }
  return outcome;
}
