/**
 * The record of jobs running on this agent: `<workDir>/running/<jobId>.json` holds the
 * pid of the job's coffer process from the moment it is started until the job's result
 * is in the outbox. After a crash or restart of the agent, `recoverInterruptedJobs`
 * turns every record left behind into a FAILED, retryable result in the outbox (after
 * stopping the coffer process when it still runs: nobody reads its output any more).
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { fileNameFor, readJsonFiles, removeDurably, writeJsonAtomic } from './atomic-json.js';
import { JOB_TMP_DIR } from './job-config-dir.js';
import { Outbox } from './outbox.js';
import type { JobDone } from '@coffer/shared/gen/coffer/v1/agent.js';

/** One running job. */
export interface RunningRecord {
  readonly jobId: string;
  /** Pid of the coffer process of the job's current step. */
  readonly pid: number;
  readonly startedMs: number;
  /** The coffer entry point it runs (tells it from an unrelated process reusing the pid). */
  readonly cofferBin: string;
}

function isRecord(v: unknown): v is RunningRecord {
  const r = v as Partial<RunningRecord> | null;
  return typeof r?.jobId === 'string' && typeof r.pid === 'number' && typeof r.cofferBin === 'string';
}

/** Jobs recorded as running. */
export class RunningJobs {
  readonly dir: string;

  constructor(workDir: string) {
    this.dir = path.join(workDir, 'running');
  }

  /** Records (or updates) a running job, durably. */
  async record(r: RunningRecord): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, fileNameFor(r.jobId)), r);
  }

  /** Removes a job's record; an unknown job is not an error. */
  async remove(jobId: string): Promise<void> {
    await removeDurably(path.join(this.dir, fileNameFor(jobId)));
  }

  /** Every recorded job, oldest first; damaged records are skipped. */
  async list(): Promise<RunningRecord[]> {
    return (await readJsonFiles(this.dir)).map((f) => f.value).filter(isRecord);
  }
}

/** Whether `pid` is alive and runs `cofferBin` (Linux /proc; elsewhere it is assumed gone). */
export function isCofferProcess(pid: number, cofferBin: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(cofferBin);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Stops a coffer process left behind: SIGINT, then after `graceMs` SIGKILL to its process group. */
async function stopLeftover(pid: number, cofferBin: string, graceMs: number): Promise<void> {
  signal(pid, 'SIGINT');
  for (let waited = 0; waited < graceMs && isCofferProcess(pid, cofferBin); waited += 100) await sleep(100);
  if (!isCofferProcess(pid, cofferBin)) return;
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isCofferProcess(pid, cofferBin); i++) await sleep(100);
}

/** Options of {@link recoverInterruptedJobs}. */
export interface RecoverOptions {
  /** How long a leftover coffer process gets to stop after SIGINT. @default 10000 */
  readonly graceMs?: number;
}

/**
 * Call once when the agent starts, before it runs any job. For each job recorded as
 * running: when the outbox already has its result, only the record is removed;
 * otherwise its coffer process is stopped if it still runs, and a FAILED, retryable
 * result saying so is put in the outbox. Leftover temporary config folders are removed.
 * Returns the results it added.
 */
export async function recoverInterruptedJobs(workDir: string, opts: RecoverOptions = {}): Promise<JobDone[]> {
  const running = new RunningJobs(workDir);
  const outbox = new Outbox(workDir);
  const added: JobDone[] = [];
  for (const r of await running.list()) {
    if (!(await outbox.get(r.jobId))) {
      const alive = isCofferProcess(r.pid, r.cofferBin);
      if (alive) await stopLeftover(r.pid, r.cofferBin, opts.graceMs ?? 10_000);
      const error = alive
        ? `the agent restarted while the job ran; its coffer process (pid ${r.pid}) was stopped`
        : `the agent restarted while the job ran; its coffer process (pid ${r.pid}) had ended`;
      const done: JobDone = {
        jobId: r.jobId,
        state: JobState.JOB_STATE_FAILED,
        result: { ok: false, error, retryable: true, exitCode: -1, snapshot: undefined, summaryJson: '' },
      };
      await outbox.put(done);
      added.push(done);
    }
    await running.remove(r.jobId);
  }
  fs.rmSync(path.join(workDir, JOB_TMP_DIR), { recursive: true, force: true });
  return added;
}
