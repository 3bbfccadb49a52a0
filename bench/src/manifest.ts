/**
 * Content manifests of a tree (SHA-256 of every regular file, symlink targets, and
 * directories) and their comparison, used to prove a restore is byte-identical to the
 * source it came from.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { walk } from './fsutil.js';

const READ_CHUNK = 1 << 20;
/** Upper bound on directory levels skipped while looking for a restored root. */
const MAX_ROOT_DEPTH = 32;

/** One entry of a manifest. */
export type ManifestEntry =
  | { readonly kind: 'file'; readonly size: number; readonly sha256: string; readonly mtimeMs: number }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'dir' }
  | { readonly kind: 'other' };

/** Relative path → entry. */
export type Manifest = Map<string, ManifestEntry>;

/** SHA-256 (hex) of a file's contents. */
export function hashFile(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const fd = openSync(path, 'r');
  try {
    const limit = Math.ceil(statSync(path).size / READ_CHUNK) + 2;
    for (let i = 0; i < limit; i++) {
      const n = readSync(fd, buf, 0, READ_CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The manifest of everything under `root`. */
export function buildManifest(root: string): Manifest {
  const m: Manifest = new Map();
  walk(root, (e) => {
    if (e.stat.isFile()) {
      m.set(e.rel, { kind: 'file', size: e.stat.size, sha256: hashFile(e.abs), mtimeMs: Math.floor(e.stat.mtimeMs) });
    } else if (e.stat.isSymbolicLink()) {
      m.set(e.rel, { kind: 'symlink', target: readlinkSync(e.abs) });
    } else if (e.stat.isDirectory()) {
      m.set(e.rel, { kind: 'dir' });
    } else {
      m.set(e.rel, { kind: 'other' });
    }
  });
  return m;
}

/** Differences between an expected and an actual manifest. */
export interface ManifestDiff {
  readonly missing: string[];
  readonly extra: string[];
  readonly different: string[];
  /** Files equal in content whose mtime differs (reported, not fatal). */
  readonly mtimeDiffers: string[];
}

function describe(e: ManifestEntry): string {
  switch (e.kind) {
    case 'file':
      return `file ${e.size} B sha256 ${e.sha256}`;
    case 'symlink':
      return `symlink -> ${e.target}`;
    default:
      return e.kind;
  }
}

/** Compares two manifests. */
export function compareManifests(expected: Manifest, actual: Manifest): ManifestDiff {
  const diff: ManifestDiff = { missing: [], extra: [], different: [], mtimeDiffers: [] };
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (!got) {
      diff.missing.push(rel);
      continue;
    }
    const a = describe(want);
    const b = describe(got);
    if (a !== b) diff.different.push(`${rel}: expected ${a}, got ${b}`);
    else if (want.kind === 'file' && got.kind === 'file' && want.mtimeMs !== got.mtimeMs) diff.mtimeDiffers.push(rel);
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) diff.extra.push(rel);
  return diff;
}

/** True when the diff shows no content, type or presence difference. */
export function identical(diff: ManifestDiff): boolean {
  return diff.missing.length === 0 && diff.extra.length === 0 && diff.different.length === 0;
}

/**
 * The directory inside a restore target that holds the restored tree: tools that keep
 * the absolute or relative source path nest it under single-child directories, so
 * descend while there is exactly one entry and it is a directory.
 */
export function restoredRoot(target: string): string {
  let dir = target;
  for (let i = 0; i < MAX_ROOT_DEPTH; i++) {
    const names = readdirSync(dir);
    const only = names[0];
    if (names.length !== 1 || only === undefined) return dir;
    const next = join(dir, only);
    if (!lstatSync(next).isDirectory()) return dir;
    dir = next;
  }
  return dir;
}
