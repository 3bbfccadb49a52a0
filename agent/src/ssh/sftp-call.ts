/**
 * Promise wrappers for ssh2's callback SFTP API, with a time limit: a request the
 * server has not answered in REQUEST_TIMEOUT_MS (60 s, or COFFER_SFTP_TIMEOUT_MS) fails
 * as Retryable, so a dead connection never hangs an operation; callers reconnect.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** How long one SFTP request may stay unanswered. */
export const REQUEST_TIMEOUT_MS = Number(process.env.COFFER_SFTP_TIMEOUT_MS ?? 60_000);

/** Runs a callback-style request that yields a value. */
export function call<T>(fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CofferError(ErrorCode.Retryable, `the SFTP server did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`)),
      REQUEST_TIMEOUT_MS,
    );
    timer.unref();
    fn((err, v) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(v);
    });
  });
}

/** Runs a callback-style request that yields nothing. */
export function done(fn: (cb: (err: Error | null | undefined) => void) => void): Promise<void> {
  return call<undefined>((cb) => fn((err) => cb(err, undefined)));
}
