/** Waiting for a promise, or not, when an AbortSignal fires. */
import { CofferError, ErrorCode } from './errors.js';

/** `p`, or an Interrupted error as soon as `signal` aborts (`p`'s later failure is dropped). */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new CofferError(ErrorCode.Interrupted, message));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CofferError(ErrorCode.Interrupted, message));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
