/**
 * Runs one benchmark step as a child process under GNU `/usr/bin/time -v` and returns
 * its wall time (measured here with a monotonic clock), peak resident set size and CPU
 * time (parsed from time's report). Output of the child goes to a log file. The step
 * runs asynchronously, so the harness's event loop keeps serving (the SFTP server's
 * log pipe); a step over the time limit is killed with its children.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { BenchError } from './errors.js';

const TIME_BIN = '/usr/bin/time';
/** A step that runs longer than this is killed and the benchmark fails (30 min; a step takes seconds to a few minutes). */
const STEP_TIMEOUT_MS = 30 * 60 * 1000;
const TAIL_CHARS = 300;

/** A command line with its working directory and environment. */
export interface Invocation {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Resource use of one step. */
export interface Sample {
  readonly wallS: number;
  readonly maxRssMiB: number;
  readonly userS: number;
  readonly sysS: number;
}

/** Fails with a fix when GNU time is not installed. */
export function requireTime(): void {
  if (!existsSync(TIME_BIN)) throw new BenchError(`${TIME_BIN} not found: install the Debian package "time" (scripts/bench.sh does)`);
}

function field(report: string, pattern: RegExp, what: string, timeFile: string): number {
  const m = pattern.exec(report);
  const value = m?.[1] === undefined ? Number.NaN : Number(m[1]);
  if (!Number.isFinite(value)) throw new BenchError(`no "${what}" in ${timeFile}`);
  return value;
}

function tail(path: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text.slice(-TAIL_CHARS).replace(/\s+/g, ' ');
  } catch {
    return '';
  }
}

/** How a child ended. */
interface Exit {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
  readonly timedOut: boolean;
}

/** Pids of the steps running now (their /usr/bin/time), for {@link killRunningSteps}. */
const running = new Set<number>();

/** Kills `pid` (time) and its children (the step); their own children, like restic's ssh, end when its pipes close. */
function killTree(pid: number): void {
  spawnSync('pkill', ['-KILL', '-P', String(pid)], { stdio: 'ignore', timeout: 10_000 });
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Runs `cmd` with output to `fd`, resolving when it exits; killed after {@link STEP_TIMEOUT_MS}. */
function runChild(cmd: string, args: readonly string[], inv: Invocation, fd: number): Promise<Exit> {
  return new Promise((resolve) => {
    let timedOut = false;
    const child = spawn(cmd, args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', fd, fd] });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killTree(pid);
    }, STEP_TIMEOUT_MS);
    const done = (exit: Exit): void => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      resolve(exit);
    };
    child.once('error', (error) => done({ status: null, signal: null, error, timedOut }));
    child.once('exit', (status, signal) => done({ status, signal, timedOut }));
  });
}

/** Kills every step still running (on SIGINT or SIGTERM of the harness); each then fails its run. */
export function killRunningSteps(): void {
  for (const pid of running) killTree(pid);
}

/** Runs `inv` under /usr/bin/time -v, logging its output to `logFile`; fails unless it exits 0. */
export async function runTimed(label: string, inv: Invocation, logFile: string): Promise<Sample> {
  requireTime();
  const timeFile = `${logFile}.time`;
  const fd = openSync(logFile, 'w');
  let result: Exit;
  let wallNs: bigint;
  try {
    writeSync(fd, `$ (cd ${inv.cwd} && ${inv.cmd} ${inv.args.join(' ')})\n`);
    const t0 = process.hrtime.bigint();
    result = await runChild(TIME_BIN, ['-v', '-o', timeFile, inv.cmd, ...inv.args], inv, fd);
    wallNs = process.hrtime.bigint() - t0;
  } finally {
    closeSync(fd);
  }
  if (result.error) throw new BenchError(`${label}: could not run ${inv.cmd}: ${result.error.message} (log: ${logFile})`);
  if (result.timedOut) throw new BenchError(`${label} killed after ${STEP_TIMEOUT_MS / 60_000} minutes (log: ${logFile})`);
  if (result.status !== 0) {
    const how = result.signal ? `signal ${result.signal}` : `exit ${String(result.status)}`;
    throw new BenchError(`${label} failed (${how}): ${tail(logFile)} (log: ${logFile})`);
  }
  const report = readFileSync(timeFile, 'utf8');
  return {
    wallS: Number(wallNs) / 1e9,
    maxRssMiB: field(report, /Maximum resident set size \(kbytes\): (\d+)/, 'Maximum resident set size', timeFile) / 1024,
    userS: field(report, /User time \(seconds\): ([\d.]+)/, 'User time', timeFile),
    sysS: field(report, /System time \(seconds\): ([\d.]+)/, 'System time', timeFile),
  };
}

/** Runs a short command and returns its trimmed stdout, or undefined if it failed. */
export function capture(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim();
}
