/**
 * `useRun(method)`: runs a server-streaming StoreService call that reports `{progress}` while
 * it works and `{result}` last (Check, Restore), keeping the latest progress, the result or
 * the error in state. `cancel()` aborts the request (the server's handler sees the abort);
 * leaving the page cancels too.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { stream } from '../api/connect.js';
import { STORE, type Progress } from '../api/types.js';
import { toApiError } from './use-api.js';
import type { ApiError } from '../api/connect.js';

export interface Run<R> {
  running: boolean;
  progress?: Progress;
  result?: R;
  error?: ApiError;
  start: (req: object) => void;
  cancel: () => void;
}

export function useRun<R>(method: string): Run<R> {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<Progress | undefined>();
  const [result, setResult] = useState<R | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const ac = useRef<AbortController | null>(null);
  useEffect(() => () => ac.current?.abort(), []);
  const start = (req: object): void => {
    ac.current?.abort();
    const c = new AbortController();
    ac.current = c;
    setRunning(true);
    setProgress(undefined);
    setResult(undefined);
    setError(undefined);
    void (async () => {
      try {
        for await (const ev of stream<{ progress?: Progress; result?: R }>(STORE, method, req, c.signal)) {
          if (ev.progress) setProgress(ev.progress);
          if (ev.result) setResult(ev.result);
        }
      } catch (e) {
        if (!c.signal.aborted) setError(toApiError(e));
      } finally {
        if (ac.current === c) setRunning(false);
      }
    })();
  };
  const cancel = (): void => {
    ac.current?.abort();
    setRunning(false);
  };
  return { running, progress, result, error, start, cancel };
}
