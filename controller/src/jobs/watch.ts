/**
 * Following one job: yields the job now and each time its state, progress, attempt or
 * history changes (changes in between coalesce to the latest), and ends after it
 * reaches a final state, when `signal` aborts, or when the job disappears. Memory is
 * constant however slow the consumer: nothing queues but a "changed" flag.
 */
import type { Catalog } from '../catalog/catalog.js';
import { FINAL_STATES, type JobRecord } from '../catalog/jobs.js';

/** Where job changes are announced (the dispatcher). */
export interface JobChanges {
  onJobChange(fn: (jobId: string) => void): () => void;
}

export async function* watchJob(catalog: Catalog, changes: JobChanges, id: string, signal: AbortSignal): AsyncGenerator<JobRecord> {
  let dirty = true;
  let wake: (() => void) | undefined;
  const off = changes.onJobChange((changed) => {
    if (changed !== id) return;
    dirty = true;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    let last = '';
    while (!signal.aborted) {
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (signal.aborted) return;
      dirty = false;
      const j = catalog.jobs.get(id);
      if (!j) return;
      const key = JSON.stringify([j.state, j.progress, j.attempt, j.history.length]);
      if (key !== last) {
        last = key;
        yield j;
      }
      if (FINAL_STATES.has(j.state)) return;
    }
  } finally {
    off();
    signal.removeEventListener('abort', onAbort);
  }
}
