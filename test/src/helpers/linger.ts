/**
 * "A process never outlives its error" (issue 11 §3), checked for every `coffer` the
 * tests start: a process must exit within LINGER_LIMIT_MS of the last thing it printed
 * (or of the signal the harness sent it). Synchronous runs fail their call at once;
 * background processes record a violation that the root hook (root-hooks.ts) turns into
 * a failure of the test during which it happened.
 */

/** How long a process may stay after its last output (or a signal from the harness). */
export const LINGER_LIMIT_MS = 5000;

const violations: string[] = [];

/** The times of one process, epoch milliseconds. */
export interface ExitTimes {
  readonly startedAt: number;
  readonly lastOutputAt: number | undefined;
  readonly exitedAt: number;
  /** When the harness sent it a signal, if it did. */
  readonly signalledAt?: number | undefined;
}

/** How long the process stayed after its last output or the harness's signal; 0 when it printed nothing and was not signalled. */
export function lingerMs(t: ExitTimes): number {
  const from = Math.max(t.lastOutputAt ?? 0, t.signalledAt ?? 0);
  return from === 0 ? 0 : Math.max(0, t.exitedAt - from);
}

/** A description of the violation, or undefined when the process exited in time. */
export function lingerProblem(what: string, t: ExitTimes, limitMs = LINGER_LIMIT_MS): string | undefined {
  const ms = lingerMs(t);
  if (ms <= limitMs) return undefined;
  const after = t.signalledAt !== undefined && t.signalledAt >= (t.lastOutputAt ?? 0) ? 'the signal the harness sent it' : 'its last output';
  return `${what} exited ${(ms / 1000).toFixed(1)} s after ${after} (a process must exit within ${limitMs / 1000} s of its last line)`;
}

/** Records a violation found by a background process's exit handler. */
export function recordLinger(problem: string): void {
  violations.push(problem);
}

/** The violations recorded since the last call (and forgets them). */
export function takeLingerViolations(): string[] {
  return violations.splice(0);
}
