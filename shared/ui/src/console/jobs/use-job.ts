/**
 * `useJob(id)`: the job, kept current by the server. It loads the job (GetJob), then
 * follows WatchJob, which pushes the job each time it changes and ends when it finishes.
 * If the stream breaks before the job is final, it falls back to GetJob every 2 s until
 * the job is final (and tries the stream again after each poll). `refresh()` loads at once.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ctl, watch } from '../api.js';
import { messageOf } from '../api-error.js';
import { isFinal } from '../format.js';
import type { Job } from '../wire.js';

const FALLBACK_MS = 2000;

export interface LiveJob {
  readonly job: Job | undefined;
  readonly error: string;
  /** How many messages the stream pushed (0 while only polled). */
  readonly pushed: number;
  readonly refresh: () => void;
}

export function useJob(id: string): LiveJob {
  const [job, setJob] = useState<Job | undefined>();
  const [error, setError] = useState('');
  const [pushed, setPushed] = useState(0);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    setJob(undefined);
    setPushed(0);
  }, [id]);

  useEffect(() => {
    const ac = new AbortController();
    const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    const follow = async (): Promise<void> => {
      let last: Job | undefined;
      while (!ac.signal.aborted) {
        try {
          last = await ctl('GetJob', { id }, ac.signal);
          setJob(last);
          setError('');
          if (isFinal(last.state)) return;
          for await (const j of watch('WatchJob', { id }, ac.signal)) {
            last = j;
            setJob(j);
            setPushed((n) => n + 1);
          }
          if (isFinal(last.state)) return;
        } catch (err) {
          if (ac.signal.aborted) return;
          setError(messageOf(err));
          if ((err as { code?: string }).code === 'not_found') return;
        }
        await sleep(FALLBACK_MS);
      }
    };
    void follow();
    return () => ac.abort();
  }, [id, tick]);

  return { job, error, pushed, refresh };
}
