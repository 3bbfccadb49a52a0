/**
 * Retrying an operation that failed for a passing reason (a CofferError with code
 * Retryable: a dropped connection, a refused connection while a server restarts, a
 * timeout), with exponential backoff. Other errors, and the last attempt's error, are
 * thrown unchanged. The caller guarantees the operation is safe to repeat.
 */
import { CofferError, ErrorCode } from './errors.js';

/** Retry policy. */
export interface RetryOptions {
  /** Attempts in all. @default 8 */
  readonly attempts?: number;
  /** First delay; doubled each time up to `maxDelayMs`. @default 250 */
  readonly baseDelayMs?: number;
  /** @default 8000 */
  readonly maxDelayMs?: number;
  /** Whether a Retryable failure may be retried (all may when not given). */
  readonly shouldRetry?: (err: CofferError, attempt: number) => boolean;
  /** Told about each failure that will be retried (for a warning line, or to drop a connection). */
  readonly onRetry?: (what: string, attempt: number, err: CofferError) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `op` until it succeeds, fails for a reason that is not Retryable, or runs out of attempts. */
export async function retry<T>(what: string, op: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 8;
  const sleep = opts.sleep ?? realSleep;
  let delay = opts.baseDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      const e = CofferError.from(err);
      if (e.code !== ErrorCode.Retryable || attempt >= attempts || opts.shouldRetry?.(e, attempt) === false) throw e;
      opts.onRetry?.(what, attempt, e);
      await sleep(delay);
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 8000);
    }
  }
}
