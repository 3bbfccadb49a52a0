/**
 * Running the real `coffer` command in end-to-end tests: synchronously (runCoffer) or
 * in the background (spawnCoffer), with a clean environment (no COFFER_* variables of
 * the caller, a test passphrase in COFFER_PASSPHRASE, a private XDG_CONFIG_HOME and
 * COFFER_STATE_DIR), and
 * temporary directories that are removed after the tests.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { lingerProblem, recordLinger } from './linger.js';
import { asBuffer, runSync } from './sync-run.js';

/** The repository root: this file is test/dist/helpers/cli.js once built. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The command under test. */
export const COFFER_BIN = path.join(REPO_ROOT, 'bin', 'coffer.js');

/** The passphrase every test store gets unless a test says otherwise. */
export const TEST_PASSPHRASE = 'e2e test passphrase: correct horse battery staple';

/** Whether the tests run as root (ownership, setuid, permission tricks depend on it). */
export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether this is a CI run (then missing tools are failures, not skips). */
export const IN_CI = process.env.CI === 'true';

/** Environment changes for one run: a value sets the variable, `undefined` removes it. */
export type EnvPatch = Readonly<Record<string, string | undefined>>;

/** Options of one run of the CLI. */
export interface RunOptions {
  readonly env?: EnvPatch;
  readonly cwd?: string;
  /** Standard input (a pipe, never a terminal). Empty when not given. */
  readonly input?: string | Buffer;
  /**
   * Root only: run without the capabilities by which root reads and searches any file
   * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), through `setpriv`, so file modes bind it.
   * Unlike switching to another user, the checkout needs no permission for others.
   */
  readonly withoutDacOverride?: boolean;
  /** Run inside this network namespace (`ip netns exec NS`, root only). */
  readonly netns?: string;
}

/** The outcome of one run. */
export interface RunResult {
  readonly args: readonly string[];
  /** Exit status, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

// ---------------------------------------------------------------------------------
// Temporary directories

const tmpDirs: string[] = [];

/** A new empty directory under os.tmpdir(), removed by cleanupTmpDirs(). */
export function tmpDir(prefix = 'coffer-e2e-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

/** Makes everything under `dir` writable by its owner so it can be removed. */
function makeRemovable(dir: string): void {
  const stack = [dir];
  for (let guard = 0; stack.length > 0 && guard < 1_000_000; guard++) {
    const d = stack.pop() as string;
    try {
      fs.chmodSync(d, 0o700);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) stack.push(path.join(d, e.name));
    } catch {
      // best effort
    }
  }
}

/** Removes one directory tree, even one with unreadable parts. */
export function removeTree(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    makeRemovable(dir);
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Removes every directory made by tmpDir() so far. Call it from `after`. */
export function cleanupTmpDirs(): void {
  for (const d of tmpDirs.splice(0)) removeTree(d);
  configHome = undefined;
}

// ---------------------------------------------------------------------------------
// Running the CLI

let configHome: string | undefined;

/** The environment of a run: the caller's without COFFER_*, plus the defaults, plus `patch`. */
export function cofferEnv(patch: EnvPatch = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('COFFER_') && v !== undefined) env[k] = v;
  configHome ??= tmpDir('coffer-e2e-xdg-');
  env.COFFER_PASSPHRASE = TEST_PASSPHRASE;
  env.XDG_CONFIG_HOME = configHome;
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // A test HOME is where coffer's ~/.ssh lives: coffer reads the passwd entry's home as
  // OpenSSH does, so the test names it with COFFER_SSH_HOME too (unless it sets that itself).
  if (patch.HOME !== undefined && !('COFFER_SSH_HOME' in patch)) env.COFFER_SSH_HOME = patch.HOME;
  // The memory of store identities goes beside the run's config (its own when it has one).
  if (!('COFFER_STATE_DIR' in patch)) env.COFFER_STATE_DIR = path.join(env.XDG_CONFIG_HOME ?? configHome, 'coffer-state');
  return env;
}

function command(args: readonly string[], withoutDacOverride: boolean | undefined, netns?: string): { file: string; argv: string[] } {
  const base = [COFFER_BIN, ...args];
  if (netns) return { file: 'ip', argv: ['netns', 'exec', netns, process.execPath, ...base] };
  if (!withoutDacOverride) return { file: process.execPath, argv: base };
  const caps = '-dac_override,-dac_read_search';
  return { file: 'setpriv', argv: ['--bounding-set', caps, '--inh-caps', caps, process.execPath, ...base] };
}

/** Runs `coffer ARGS` to completion. Never puts a passphrase on the command line. Fails when it stays alive after its last line (linger.ts). */
export function runCoffer(args: readonly string[], opts: RunOptions = {}): RunResult {
  const { file, argv } = command(args, opts.withoutDacOverride, opts.netns);
  const r = runSync({ file, argv, env: cofferEnv(opts.env), cwd: opts.cwd ?? os.tmpdir(), input: opts.input ?? '', timeoutMs: 15 * 60_000 });
  if (r.error !== undefined) throw new Error(`cannot run coffer ${args.join(' ')}: ${r.error}`);
  const stdoutBytes = asBuffer(r.stdout);
  const res: RunResult = { args, code: r.code, signal: r.signal, stdout: stdoutBytes.toString('utf8'), stderr: asBuffer(r.stderr).toString('utf8'), stdoutBytes };
  const problem = lingerProblem(`coffer ${args.join(' ')}`, r);
  if (problem !== undefined) assert.fail(`${problem}\n${describeRun(res)}`);
  return res;
}

/** A coffer process running in the background. */
export interface RunningCoffer {
  readonly child: ChildProcess;
  /** Resolves when the process has exited, with everything it printed. */
  readonly done: Promise<RunResult>;
  /** Whether the process has exited. */
  exited(): boolean;
  /** What it has printed on stdout so far. */
  stdoutSoFar(): string;
}

/**
 * Starts `coffer ARGS` in the background. When it stays alive more than a few seconds
 * after a signal sent through `child.kill`, or fails more than a few seconds after its
 * last output, the test during which it exits fails (linger.ts).
 */
export function spawnCoffer(args: readonly string[], opts: Omit<RunOptions, 'input'> = {}): RunningCoffer {
  const { file, argv } = command(args, opts.withoutDacOverride, opts.netns);
  const startedAt = Date.now();
  const child = spawn(file, argv, { env: cofferEnv(opts.env), cwd: opts.cwd ?? os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let lastOutputAt: number | undefined;
  let signalledAt: number | undefined;
  child.stdout?.on('data', (b: Buffer) => {
    out.push(b);
    lastOutputAt = Date.now();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err.push(b);
    lastOutputAt = Date.now();
  });
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number): boolean => {
    signalledAt ??= Date.now();
    return kill(signal);
  };
  let hasExited = false;
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      hasExited = true;
      const stdoutBytes = Buffer.concat(out);
      resolve({ args, code, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes });
    });
  });
  child.once('exit', (code, signal) => {
    hasExited = true;
    // Killed by SIGKILL: the harness (or the kernel) ended it, nothing to blame it for. A
    // success that was not asked to stop may have been idle on purpose (a server).
    if (signal === 'SIGKILL' || (code === 0 && signalledAt === undefined)) return;
    const problem = lingerProblem(`coffer ${args.join(' ')} (in the background)`, { startedAt, lastOutputAt, exitedAt: Date.now(), signalledAt });
    if (problem !== undefined) recordLinger(problem);
  });
  return { child, done, exited: () => hasExited, stdoutSoFar: () => Buffer.concat(out).toString('utf8') };
}

/** Polls `cond` up to `attempts` times, `intervalMs` apart; resolves whether it became true. */
export async function pollUntil(cond: () => boolean, attempts: number, intervalMs: number): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (cond()) return true;
    await sleep(intervalMs);
  }
  return cond();
}

// ---------------------------------------------------------------------------------
// Assertions on runs

function clip(s: string, n = 3000): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length - n} more chars)` : s;
}

/** A readable account of a run, for assertion messages. */
export function describeRun(r: RunResult): string {
  return `coffer ${r.args.join(' ')}\n  → exit ${r.code ?? `signal ${r.signal ?? '?'}`}\n  stdout: ${clip(r.stdout)}\n  stderr: ${clip(r.stderr)}`;
}

/** Asserts the exit status of a run. */
export function assertExit(r: RunResult, code: number, what = ''): void {
  assert.equal(r.code, code, `${what ? `${what}: ` : ''}expected exit ${code}\n${describeRun(r)}`);
}

/** Asserts a run failed (non-zero exit, not a crash by signal). */
export function assertFailed(r: RunResult, what = ''): void {
  assert.ok(r.code !== null && r.code !== 0, `${what ? `${what}: ` : ''}expected a non-zero exit\n${describeRun(r)}`);
}

/** Asserts an error is reported as the documented single `coffer: …` line, with no stack trace. */
export function assertOneLineError(r: RunResult): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `expected exactly one line on stderr\n${describeRun(r)}`);
  assert.match(lines[0] ?? '', /^coffer: \S/, `the error line must start with 'coffer: '\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace expected\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+:\d+/, `no stack frame expected\n${describeRun(r)}`);
}

/** Non-empty lines of a text. */
export function lines(s: string): string[] {
  return s.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
}

/** Parses one line of JSON output into an object; fails the test when it is not one. */
export function jsonLine(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line) as unknown;
  } catch {
    assert.fail(`not a JSON line: ${clip(line, 500)}`);
  }
  assert.ok(v !== null && typeof v === 'object' && !Array.isArray(v), `not a JSON object: ${clip(line, 500)}`);
  return v as Record<string, unknown>;
}

/** Every line of stdout parsed as JSON objects. */
export function jsonLines(r: RunResult): Record<string, unknown>[] {
  return lines(r.stdout).map(jsonLine);
}

/** The `"type":"summary"` object a `--json` command prints last. */
export function jsonSummary(r: RunResult): Record<string, unknown> {
  const all = lines(r.stdout);
  const last = all[all.length - 1];
  assert.ok(last !== undefined, `no output\n${describeRun(r)}`);
  const o = jsonLine(last);
  assert.equal(o.type, 'summary', `the last line must be a summary\n${describeRun(r)}`);
  return o;
}

/** A numeric field of a JSON object. */
export function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  assert.equal(typeof v, 'number', `field ${key} must be a number in ${JSON.stringify(o)}`);
  return v as number;
}

/** A string field of a JSON object. */
export function text(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  assert.equal(typeof v, 'string', `field ${key} must be a string in ${JSON.stringify(o)}`);
  return v as string;
}

// ---------------------------------------------------------------------------------
// Common steps

/** Creates a store (encrypted with the test passphrase unless `args` say otherwise). */
export function createStore(store: string, args: readonly string[] = [], opts: RunOptions = {}): void {
  const r = runCoffer(['at', store, 'create', ...args], opts);
  assertExit(r, 0, 'create');
}

/** Backs up `src` with `--json` and returns the new snapshot's full id and summary. */
export function backupJson(store: string, src: string, args: readonly string[] = [], opts: RunOptions = {}): { id: string; summary: Record<string, unknown>; run: RunResult } {
  const r = runCoffer(['at', store, 'backup', '--json', ...args, src], opts);
  assertExit(r, 0, 'backup');
  const summary = jsonSummary(r);
  const id = text(summary, 'snapshot_id');
  assert.match(id, /^[0-9a-f]{64}$/, `snapshot_id must be 64 hex characters\n${describeRun(r)}`);
  return { id, summary, run: r };
}

/** Full ids of the snapshots of a store, from `ls --json`, oldest first as listed. */
export function snapshotIds(store: string, opts: RunOptions = {}): string[] {
  const r = runCoffer(['at', store, 'ls', '--json'], opts);
  assertExit(r, 0, 'ls --json');
  return jsonLines(r).map((o) => text(o, 'id'));
}

/** Files (recursively) under a store sub-directory, e.g. `data`: path → size. */
export function storeFiles(store: string, sub: string): Map<string, number> {
  const out = new Map<string, number>();
  const root = path.join(store, sub);
  const stack = [root];
  for (let guard = 0; stack.length > 0 && guard < 100_000; guard++) {
    const d = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        try {
          out.set(p, fs.statSync(p).size);
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return out;
}

/** Total bytes of the files under a store sub-directory. */
export function storeBytes(store: string, sub: string): number {
  let n = 0;
  for (const s of storeFiles(store, sub).values()) n += s;
  return n;
}

/** Whether a command-line tool is on PATH. */
export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  return r.status === 0;
}
