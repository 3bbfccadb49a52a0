/**
 * Runs one coffer process and supervises it: its stdout and stderr delivered line by
 * line, cancellation by AbortSignal (SIGINT, which the CLI answers by stopping cleanly
 * and leaving the store valid; then, after a grace period, SIGKILL to its process
 * group), and a time limit handled the same way. The child runs in its own process
 * group, so a Ctrl-C meant for the agent's terminal does not reach it. Resolves once
 * the process has exited and its output is read — at most `graceMs` + 10 s after a
 * cancellation or timeout — and never rejects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Clock } from '@coffer/shared/clock.js';
import { LineSplitter } from './line-splitter.js';

/** What to run and how to watch it. */
export interface ChildOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborting it stops the process (SIGINT, then SIGKILL after graceMs). */
  readonly signal: AbortSignal;
  readonly graceMs: number;
  /** Time limit; 0 for none. Reaching it stops the process like a cancellation. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Called once the process has started. */
  readonly onSpawn: (pid: number) => void;
  readonly onStdout: (line: string) => void;
  readonly onStderr: (line: string) => void;
}

/** How the process ended. */
export interface ChildExit {
  /** Exit status, or null when it ended by a signal or did not start. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The AbortSignal asked it to stop. */
  readonly cancelled: boolean;
  readonly timedOut: boolean;
  /** Set when the process could not be started. */
  readonly spawnError?: Error;
}

/** Wait for the output streams to close after the process exited (a grandchild may hold them). */
const DRAIN_MS = 5_000;

function kill(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Runs the process to its end. */
export function runChild(o: ChildOptions): Promise<ChildExit> {
  return new Promise<ChildExit>((resolve) => {
    const out = new LineSplitter(o.onStdout);
    const err = new LineSplitter(o.onStderr);
    const cancelTimers: (() => void)[] = [];
    let cancelled = false;
    let timedOut = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let finished = false;
    let child: ChildProcess | undefined;

    const finish = (spawnError?: Error): void => {
      if (finished) return;
      finished = true;
      for (const c of cancelTimers) c();
      o.signal.removeEventListener('abort', onAbort);
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      out.end();
      err.end();
      resolve({ code: exited?.code ?? null, signal: exited?.signal ?? null, cancelled, timedOut, ...(spawnError ? { spawnError } : {}) });
    };
    const stop = (): void => {
      if (exited || finished) return;
      kill(child?.pid, 'SIGINT');
      cancelTimers.push(
        o.clock.setTimer(() => {
          if (exited || child?.pid === undefined) return;
          kill(-child.pid, 'SIGKILL');
          kill(child.pid, 'SIGKILL');
          cancelTimers.push(o.clock.setTimer(() => finish(), DRAIN_MS + 5_000));
        }, o.graceMs),
      );
    };
    function onAbort(): void {
      cancelled = true;
      stop();
    }

    try {
      child = spawn(o.file, [...o.args], { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      finish(e as Error);
      return;
    }
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.once('spawn', () => {
      if (child?.pid !== undefined) o.onSpawn(child.pid);
    });
    child.once('error', (e) => {
      if (child?.pid === undefined) finish(e);
    });
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      cancelTimers.push(o.clock.setTimer(() => finish(), DRAIN_MS));
    });
    child.once('close', (code, signal) => {
      exited ??= { code, signal };
      finish();
    });
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.timeoutMs > 0) {
      cancelTimers.push(
        o.clock.setTimer(() => {
          timedOut = true;
          stop();
        }, o.timeoutMs),
      );
    }
  });
}
