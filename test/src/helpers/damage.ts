/**
 * Damaging a store on disk and judging what the commands then do: the store's files
 * by kind, byte flips, truncation, garbage, swaps; runs of the CLI bounded in time
 * that must neither crash nor print a stack trace; restored trees compared file by
 * file with what `restore` says it could not restore; leftover temporaries.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COFFER_BIN, cofferEnv, describeRun, lines, type RunResult } from './cli.js';
import { lingerProblem } from './linger.js';
import { asBuffer, runSync } from './sync-run.js';
import type { Manifest } from './tree.js';

/** Kinds of store files that can be damaged, with their folder. */
export const KINDS = { data: 'data', index: 'index', snapshot: 'snapshots' } as const;
export type Kind = keyof typeof KINDS;

/** Files of one kind in a store, sorted by name (absolute paths). */
export function filesOf(store: string, kind: Kind): string[] {
  const root = path.join(store, KINDS[kind]);
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 3 || !fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(root, 0);
  return out.sort((a, b) => (path.basename(a) < path.basename(b) ? -1 : 1));
}

/** XORs the byte at `offset` of `file` with `mask` (non-zero). */
export function flipByte(file: string, offset: number, mask = 0xff): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, offset);
    b[0] = ((b[0] as number) ^ mask) & 0xff;
    fs.writeSync(fd, b, 0, 1, offset);
  } finally {
    fs.closeSync(fd);
  }
}

/** Swaps the contents of two files. */
export function swapFiles(a: string, b: string): void {
  const x = fs.readFileSync(a);
  fs.writeFileSync(a, fs.readFileSync(b));
  fs.writeFileSync(b, x);
}

/** Runs `coffer ARGS` with a time bound; asserts it exited by itself, soon after its last line, and printed no stack trace. */
export function runBounded(args: readonly string[], timeoutMs = 60_000): RunResult {
  const r = runSync({ file: process.execPath, argv: [COFFER_BIN, ...args], env: cofferEnv(), cwd: os.tmpdir(), input: '', timeoutMs });
  if (r.error !== undefined) throw new Error(`cannot run coffer ${args.join(' ')}: ${r.error}`);
  const stdoutBytes = asBuffer(r.stdout);
  const res: RunResult = { args, code: r.code, signal: r.signal, stdout: stdoutBytes.toString('utf8'), stderr: asBuffer(r.stderr).toString('utf8'), stdoutBytes };
  const problem = lingerProblem(`coffer ${args.join(' ')}`, r);
  assert.ok(problem === undefined, `${problem ?? ''}\n${describeRun(res)}`);
  assert.ok(res.code !== null, `hung or crashed (killed after ${timeoutMs} ms or by a signal)\n${describeRun(res)}`);
  assert.doesNotMatch(res.stderr, /^\s+at /m, `no stack trace expected\n${describeRun(res)}`);
  assert.doesNotMatch(res.stderr + res.stdout, /\bat .*\.js:\d+:\d+/, `no stack frame expected\n${describeRun(res)}`);
  return res;
}

/** Paths of restore's temporary files (`.<name>.coffer-…`) under `dir`. */
export function temporaries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    if (depth > 50 || !fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.name.includes('.coffer-')) out.push(p);
      if (e.isDirectory()) walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  return out;
}

/** The paths restore listed as `not restored /path: …` (without the leading slash). */
export function notRestored(r: RunResult): string[] {
  const out: string[] = [];
  for (const l of lines(r.stderr)) {
    const m = /^not restored \/(.*?): /.exec(l);
    if (m) out.push(m[1] as string);
  }
  return out;
}

/** Whether `p` is `listed` itself or under a listed directory (`d/`; '' is the whole tree). */
export function coveredBy(p: string, listed: Iterable<string>): boolean {
  for (const l of listed) {
    if (l === p || l === '' || (l.endsWith('/') && p.startsWith(l))) return true;
  }
  return false;
}

/**
 * Judges a restore of `expected` into `restored` (both manifests): every restored file
 * is byte-identical to its source, and every source file not restored is listed.
 * Returns the problems, one line each.
 */
export function judgeRestore(expected: Manifest, restored: Manifest, listed: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [p, e] of expected) {
    if (e.type !== 'file') continue;
    const a = restored.get(p);
    if (!a) {
      if (!coveredBy(p, listed)) problems.push(`/${p}: missing and not listed as not restored`);
    } else if (a.type !== 'file' || a.sha256 !== e.sha256) {
      problems.push(`/${p}: restored with different content`);
    }
  }
  for (const [p, a] of restored) if (p !== '' && !expected.has(p)) problems.push(`/${p}: unexpected ${a.type}`);
  return problems;
}
