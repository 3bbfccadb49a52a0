/**
 * `usePoll(load, ms, deps)`: runs `load` now, then every `ms` while the page is mounted
 * and visible, keeping the last answer on screen while the next one loads (refresh
 * without reload). A failed poll keeps the last data and shows its error; the next
 * success clears it. `reload()` polls at once (after a change the user made).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api-error.js';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string;
  readonly reload: () => void;
}

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, ms: number, deps: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    setData(undefined);
  }, deps);

  useEffect(() => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      if (document.visibilityState !== 'hidden') {
        try {
          const v = await loadRef.current(ac.signal);
          if (ac.signal.aborted) return;
          setData(v);
          setError('');
        } catch (err) {
          if (ac.signal.aborted) return;
          setError(messageOf(err));
        }
      }
      if (ms > 0) timer = setTimeout(() => void run(), ms);
    };
    void run();
    return () => {
      ac.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...deps, tick, ms]);

  return { data, error, reload };
}
