/**
 * How a coffer process's end becomes a job's state and result fields:
 *   exit 0                                   SUCCEEDED
 *   exit 3 (some files unreadable)           SUCCEEDED, with a warning: the snapshot exists
 *                                            and a retry would meet the same files
 *   exit 130, or stopped by our cancellation SUCCEEDED if it still exited 0, else CANCELLED
 *   over the time limit                      FAILED, not retryable
 *   killed by a signal we did not send       FAILED, retryable (out of memory, a shutdown)
 *   anything else                            FAILED; `error` is the process's message (its
 *                                            JSON failure line, else its last `coffer:` line)
 * A failure is retryable when its ErrorCode is `retryable` (network, timeouts, refused
 * connections) or `locked` (another process holds the store), when exit 11 comes without
 * a JSON line, or when an `internal` error names a network errno. Pure.
 */
import os from 'node:os';
import { ErrorCode } from '@coffer/shared/errors.js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import type { ChildExit } from './child-process.js';
import type { CliFailure } from './cli-output.js';

/** What one step left behind. */
export interface StepEnd {
  readonly exit: ChildExit;
  readonly failure: CliFailure | undefined;
  /** The last stderr line starting `coffer: `, without that prefix. */
  readonly lastError: string | undefined;
  /** The step's time limit, for the message. */
  readonly timeoutMs: number;
}

/** A step's verdict. */
export interface StepVerdict {
  readonly state: JobState.JOB_STATE_SUCCEEDED | JobState.JOB_STATE_FAILED | JobState.JOB_STATE_CANCELLED;
  readonly error: string;
  readonly retryable: boolean;
  readonly exitCode: number;
  /** Set for a success with reservations (exit 3). */
  readonly warning?: string;
}

const RETRYABLE_CODES: ReadonlySet<string> = new Set<string>([ErrorCode.Retryable, ErrorCode.Locked]);
const NETWORK_ERRNO = /\b(ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EAI_AGAIN|EPIPE)\b/;
const EXIT_PARTIAL = 3;
const EXIT_LOCKED = 11;
const EXIT_INTERRUPTED = 130;

function signalExit(sig: NodeJS.Signals): number {
  return 128 + (os.constants.signals[sig] ?? 0);
}

/** Judges one step. */
export function judgeStep(s: StepEnd): StepVerdict {
  const { exit } = s;
  const exitCode = exit.code ?? (exit.signal ? signalExit(exit.signal) : -1);
  const failed = (error: string, retryable: boolean): StepVerdict => ({ state: JobState.JOB_STATE_FAILED, error, retryable, exitCode });
  if (exit.spawnError) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code ?? '';
    return failed(`cannot start coffer: ${exit.spawnError.message}`, ['EAGAIN', 'ENOMEM', 'EMFILE', 'ENFILE'].includes(code));
  }
  if (exit.code === 0) return { state: JobState.JOB_STATE_SUCCEEDED, error: '', retryable: false, exitCode };
  if (exit.code === EXIT_PARTIAL) {
    return { state: JobState.JOB_STATE_SUCCEEDED, error: '', retryable: false, exitCode, warning: 'finished, but some files could not be read (backup) or restored (restore, damaged store): see the warnings' };
  }
  if (exit.timedOut) return failed(`the job did not finish within its time limit (${Math.round(s.timeoutMs / 1000)} s) and was stopped`, false);
  if (exit.cancelled || exit.code === EXIT_INTERRUPTED) {
    return { state: JobState.JOB_STATE_CANCELLED, error: 'cancelled', retryable: false, exitCode };
  }
  if (exit.signal) return failed(`the coffer process was killed by ${exit.signal}`, true);
  const message = s.failure?.message || s.lastError || `coffer exited with status ${exitCode}`;
  if (s.failure) {
    const retryable = RETRYABLE_CODES.has(s.failure.code) || (s.failure.code === String(ErrorCode.Internal) && NETWORK_ERRNO.test(message));
    return failed(message, retryable);
  }
  return failed(message, exit.code === EXIT_LOCKED);
}
