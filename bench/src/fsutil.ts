/**
 * File-system helpers for the harness: complete writes, a bounded deterministic tree
 * walk, tree sizes, removal and `cp -a` copies.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, rmSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './errors.js';

/** Upper bound on entries visited by one walk. */
const MAX_ENTRIES = 10_000_000;
/** Upper bound on write() calls for one buffer. */
const MAX_WRITE_CALLS = 1_000_000;

/** Writes all of `data` to `fd`, at `position` when given. */
export function writeAll(fd: number, data: Buffer | string, position?: number): number {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  for (let i = 0; i < MAX_WRITE_CALLS && off < buf.length; i++) {
    const pos = position === undefined ? null : position + off;
    off += writeSync(fd, buf, off, buf.length - off, pos);
  }
  if (off < buf.length) throw new BenchError(`short write: ${off} of ${buf.length} bytes`);
  return off;
}

/** One entry seen by {@link walk}: its path relative to the root ('/'-separated) and lstat. */
export interface WalkEntry {
  readonly rel: string;
  readonly abs: string;
  readonly stat: Stats;
}

/**
 * Visits every entry under `root` (not the root itself) in sorted order, without
 * following symlinks.
 */
export function walk(root: string, visit: (entry: WalkEntry) => void): void {
  const stack: string[] = [''];
  let seen = 0;
  while (stack.length > 0) {
    const relDir = stack.pop() ?? '';
    const names = readdirSync(join(root, relDir)).sort();
    const subdirs: string[] = [];
    for (const name of names) {
      if (++seen > MAX_ENTRIES) throw new BenchError(`more than ${MAX_ENTRIES} entries under ${root}`);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      const abs = join(root, rel);
      const stat = lstatSync(abs);
      visit({ rel, abs, stat });
      if (stat.isDirectory()) subdirs.push(rel);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i] ?? '');
  }
}

/** Total size in bytes and count of the regular files under `root`. */
export function treeBytes(root: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  walk(root, (e) => {
    if (e.stat.isFile()) {
      bytes += e.stat.size;
      files++;
    }
  });
  return { bytes, files };
}

/** Removes `path` and everything under it; no error if it is absent. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
}

/** `cp -a src dst`: copies a tree preserving modes, times and symlinks. */
export function copyTree(src: string, dst: string): void {
  const r = spawnSync('cp', ['-a', src, dst], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error) throw new BenchError(`cp -a ${src} ${dst}: ${r.error.message}`);
  if (r.status !== 0) throw new BenchError(`cp -a ${src} ${dst} failed: ${r.stderr.trim()}`);
}

/** Flushes dirty pages to disk (`sync`), so one step's writeback does not slow the next. */
export function syncDisks(): void {
  const r = spawnSync('sync', [], { stdio: 'ignore', timeout: 600_000 });
  if (r.error || r.status !== 0) throw new BenchError(`sync failed: ${r.error?.message ?? `exit ${String(r.status)}`}`);
}
