/**
 * Long operations (Check, Restore) as streams: the work runs on its own and reports
 * progress through a listener; the stream yields the latest progress each time the
 * consumer asks for one and a newer one exists, then returns the work's result. Memory
 * is bounded however slow the consumer: only the newest progress is kept (older ones
 * are dropped, never queued). When the caller's signal aborts, or the consumer stops
 * pulling, the work is aborted and awaited before the stream ends, so nothing keeps
 * running behind a closed stream.
 */
import type { Progress } from '@coffer/shared/gen/coffer/v1/common.js';
import type { Progress as EngineProgress } from '../engine/progress.js';

/** Runs a piece of work given a progress listener and an abort signal. */
export type ProgressWork<T> = (onProgress: (p: Readonly<EngineProgress>) => void, signal: AbortSignal) => Promise<T>;

/** Engine progress as the proto's, with the byte rate since `startedMs` (performance.now()). */
export function progressMessage(p: Readonly<EngineProgress>, startedMs: number): Progress {
  const seconds = (performance.now() - startedMs) / 1000;
  return {
    phase: p.phase,
    files: p.files,
    totalFiles: p.totalFiles,
    bytes: p.bytes,
    totalBytes: p.totalBytes,
    bytesPerSecond: seconds > 0 ? p.bytes / seconds : 0,
    errors: p.errors,
    unit: p.unit ?? '',
  };
}

/** Yields progress of `work` (the first one at once: phase `first`), then returns its result. */
export async function* withProgress<T>(first: string, work: ProgressWork<T>, parent: AbortSignal): AsyncGenerator<Progress, T> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(parent.reason);
  if (parent.aborted) ac.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  const started = performance.now();
  let latest: Progress | undefined;
  let wake: (() => void) | undefined;
  let done = false;
  const job = work((p) => {
    latest = progressMessage(p, started);
    wake?.();
  }, ac.signal).finally(() => {
    done = true;
    wake?.();
  });
  job.catch(() => undefined);
  try {
    yield { phase: first, files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, bytesPerSecond: 0, errors: 0, unit: '' };
    for (;;) {
      if (latest) {
        const p = latest;
        latest = undefined;
        yield p;
      } else if (done) {
        break;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
    return await job;
  } finally {
    parent.removeEventListener('abort', onAbort);
    if (!done) {
      ac.abort(new Error('the stream was closed'));
      await job.catch(() => undefined);
    }
  }
}

/**
 * The events of a long operation as a stream: a progress event each time there is news,
 * then its result's event; `cleanup` runs once the work has stopped, however the stream
 * ended (finished, failed, aborted, or closed by the consumer).
 */
export async function* progressEvents<T, E>(
  first: string,
  work: ProgressWork<T>,
  signal: AbortSignal,
  event: { readonly progress: (p: Progress) => E; readonly result: (r: T) => E },
  cleanup: () => Promise<void>,
): AsyncGenerator<E> {
  const feed = withProgress(first, work, signal);
  try {
    for (;;) {
      const next = await feed.next();
      if (next.done) {
        yield event.result(next.value);
        return;
      }
      yield event.progress(next.value);
    }
  } finally {
    await feed.return(undefined as never);
    await cleanup();
  }
}
