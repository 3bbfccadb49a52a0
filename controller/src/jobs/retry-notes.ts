/**
 * Retries inside an attempt, visible in the job's history: a job whose store cannot be
 * reached keeps running while the store's connection is retried (the store backend waits
 * and reconnects several times before the attempt fails), and its history would show
 * nothing of it. The agent's job log carries each retry as a warning line from the
 * coffer process (`warning: <store>: <operation> failed: <error>; retrying (attempt N of
 * M)`); each such line of a job the sending agent runs is also added to the job's
 * history (state unchanged), at most MAX_NOTES per job, and the job's watchers are told.
 */
import type { JobLog } from '@coffer/shared/gen/coffer/v1/agent.js';
import type { Catalog } from '../catalog/catalog.js';

const RETRY_LINE = /^warning: .*; retrying \(attempt \d+ of \d+\)/;
export const MAX_NOTES = 50;

export class RetryNotes {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly changed: (jobId: string) => void,
    private readonly now: () => number,
  ) {}

  /** A log line `l` sent by agent `agentName`. */
  log(agentName: string, l: JobLog): void {
    if (!l.line || l.line.level !== 'warn' || !RETRY_LINE.test(l.line.text)) return;
    const job = this.catalog.jobs.current(l.jobId);
    if (!job || job.agent !== agentName) return;
    const n = this.counts.get(l.jobId) ?? 0;
    if (n >= MAX_NOTES) return;
    this.counts.set(l.jobId, n + 1);
    // A bounded map: the counts of many old jobs are not worth keeping.
    if (this.counts.size > 10_000) this.counts.delete(this.counts.keys().next().value as string);
    this.catalog.jobs.note(l.jobId, job.state, this.now(), `attempt ${job.attempt}: ${l.line.text.replace(/^warning: /, '')}`);
    this.changed(l.jobId);
  }
}
