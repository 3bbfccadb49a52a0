/**
 * Manifests of a tree (SHA-256 of every regular file, symlink targets, directories, and
 * every entry's mode, mtime and owner) and their comparison, used to prove a restore is
 * byte-identical to the source it came from, metadata included.
 */
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { walk } from './fsutil.js';

const READ_CHUNK = 1 << 20;
/** Upper bound on directory levels skipped while looking for a restored root. */
const MAX_ROOT_DEPTH = 32;

/** Metadata a restore must bring back (compared to the precision given to {@link compareManifests}). */
export interface Meta {
  /** Permission bits (mode & 0o7777); not compared for symlinks, whose mode Linux fixes. */
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly uid: number;
  readonly gid: number;
}

/** One entry of a manifest. */
export type ManifestEntry =
  | { readonly kind: 'file'; readonly size: number; readonly sha256: string; readonly meta: Meta }
  | { readonly kind: 'symlink'; readonly target: string; readonly meta: Meta }
  | { readonly kind: 'dir'; readonly meta: Meta }
  | { readonly kind: 'other'; readonly meta: Meta };

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

/** The metadata of the entry at `abs` (not following a symlink), mtime to the nanosecond. */
export function metaOf(abs: string): Meta {
  const st = lstatSync(abs, { bigint: true });
  return { mode: Number(st.mode & 0o7777n), mtimeNs: st.mtimeNs, uid: Number(st.uid), gid: Number(st.gid) };
}

/** The manifest of everything under `root` (the root itself excluded). */
export function buildManifest(root: string): Manifest {
  const m: Manifest = new Map();
  walk(root, (e) => {
    const meta = metaOf(e.abs);
    if (e.stat.isFile()) {
      m.set(e.rel, { kind: 'file', size: e.stat.size, sha256: hashFile(e.abs), meta });
    } else if (e.stat.isSymbolicLink()) {
      m.set(e.rel, { kind: 'symlink', target: readlinkSync(e.abs), meta });
    } else if (e.stat.isDirectory()) {
      m.set(e.rel, { kind: 'dir', meta });
    } else {
      m.set(e.rel, { kind: 'other', meta });
    }
  });
  return m;
}

/** What {@link compareManifests} holds the restored metadata to. */
export interface CompareOptions {
  /** mtimes are equal when equal after truncation to this many nanoseconds (1n: exact). */
  readonly mtimePrecisionNs: bigint;
  /** Compare uid and gid (a restore restores owners only when run as root). */
  readonly owners: boolean;
}

/** Differences between an expected and an actual manifest; any of them fails a restore. */
export interface ManifestDiff {
  readonly missing: string[];
  readonly extra: string[];
  /** Type, size, content or symlink target differs. */
  readonly different: string[];
  /** Same content, different mode, mtime or owner. */
  readonly metadata: string[];
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

/** An mtime as "2024-01-01T00:00:00.123456789Z". */
export function nsTime(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** How the metadata of `got` differs from `want` under `opts`; empty when it does not. */
export function metaDifferences(kind: ManifestEntry['kind'], want: Meta, got: Meta, opts: CompareOptions): string[] {
  const out: string[] = [];
  if (kind !== 'symlink' && want.mode !== got.mode) out.push(`mode ${want.mode.toString(8)} != ${got.mode.toString(8)}`);
  const p = opts.mtimePrecisionNs > 0n ? opts.mtimePrecisionNs : 1n;
  if (want.mtimeNs / p !== got.mtimeNs / p) out.push(`mtime ${nsTime(want.mtimeNs)} != ${nsTime(got.mtimeNs)}`);
  if (opts.owners && (want.uid !== got.uid || want.gid !== got.gid)) out.push(`owner ${want.uid}:${want.gid} != ${got.uid}:${got.gid}`);
  return out;
}

/** Compares two manifests: presence, type, content, symlink targets and metadata. */
export function compareManifests(expected: Manifest, actual: Manifest, opts: CompareOptions): ManifestDiff {
  const diff: ManifestDiff = { missing: [], extra: [], different: [], metadata: [] };
  for (const [rel, want] of expected) {
    const got = actual.get(rel);
    if (!got) {
      diff.missing.push(rel);
      continue;
    }
    const a = describe(want);
    const b = describe(got);
    if (a !== b) {
      diff.different.push(`${rel}: expected ${a}, got ${b}`);
      continue;
    }
    const meta = metaDifferences(want.kind, want.meta, got.meta, opts);
    if (meta.length > 0) diff.metadata.push(`${rel}: ${meta.join(', ')}`);
  }
  for (const rel of actual.keys()) if (!expected.has(rel)) diff.extra.push(rel);
  return diff;
}

/** True when the diff shows no difference at all. */
export function identical(diff: ManifestDiff): boolean {
  return diff.missing.length === 0 && diff.extra.length === 0 && diff.different.length === 0 && diff.metadata.length === 0;
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
