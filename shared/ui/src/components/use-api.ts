/**
 * `useApi(load, deps)`: runs an async load whenever `deps` change, aborting the previous one
 * (so a fast typist or pager never sees an older answer land over a newer one), and returns
 * its state: loading, the data, or the ApiError it failed with.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/connect.js';

export type Loaded<T> = { state: 'loading' } | { state: 'done'; data: T } | { state: 'error'; error: ApiError };

export function toApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError('unknown', e instanceof Error ? e.message : String(e));
}

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [st, setSt] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    const ac = new AbortController();
    setSt({ state: 'loading' });
    load(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setSt({ state: 'done', data });
      },
      (e: unknown) => {
        if (!ac.signal.aborted) setSt({ state: 'error', error: toApiError(e) });
      },
    );
    return () => ac.abort();
  }, deps);
  return st;
}
