/**
 * Why a queued job waits, in its history: a job bound to an agent (its source's or
 * destination's) that is not connected gets one line, "waiting for agent A (offline
 * since T)", when it first waits for that reason; `job run --wait` and `job show` print
 * it. Guarantees: at most one such line per job and agent while the job stays queued.
 */
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Catalog } from '../catalog/catalog.js';

export class WaitingNotes {
  private readonly noted = new Map<string, string>();

  constructor(
    private readonly catalog: Catalog,
    /** Told when a job's history gained a line (its watchers look again). */
    private readonly changed: (jobId: string) => void,
  ) {}

  /** Job `jobId` waits for agent `agent`, which is not connected (or not ready). */
  waiting(jobId: string, agent: string, connected: boolean, nowMs: number): void {
    if (this.noted.get(jobId) === agent) return;
    this.noted.set(jobId, agent);
    const seen = this.catalog.agents.byName(agent)?.lastSeenMs ?? 0;
    const why = connected ? 'busy or not ready' : seen > 0 ? `offline since ${new Date(seen).toISOString()}` : 'never connected';
    this.catalog.jobs.note(jobId, JobState.JOB_STATE_QUEUED, nowMs, `waiting for agent ${agent} (${why})`);
    this.changed(jobId);
  }

  /** The job left the queue (sent, cancelled, failed): forget it. */
  forget(jobId: string): void {
    this.noted.delete(jobId);
  }
}
