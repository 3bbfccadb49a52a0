/**
 * Building file trees for backups (writeTree) and comparing trees after restores
 * (sha256Tree + diffTrees): content hashes, permission bits including setuid, setgid
 * and sticky, mtimes to the microsecond, symlink targets, hardlinks, ownership.
 * Names and symlink targets are bytes: a string of a spec or a manifest stands for its
 * bytes as raw-name.ts maps them (bytes that are not UTF-8 are U+DC80..U+DCFF), every
 * path reaches the file system as those bytes, and directories and links are read as
 * bytes, so two trees compare equal only when their names and targets are the same bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getAttributeSync, setAttributeSync } from '@napi-rs/xattr';
import { displayName, nameFromBytes, nameToBytes } from '@coffer/agent/engine/raw-name.js';

/** Metadata every entry of a spec may carry. */
interface CommonSpec {
  /** Permission bits, applied with chmod (after any chown). */
  readonly mode?: number;
  /** Modification time in seconds since the epoch (fractions allowed). */
  readonly mtime?: number;
  /** Owner, applied with lchown (needs root). */
  readonly owner?: { readonly uid: number; readonly gid: number };
}

/** A regular file. */
export interface FileSpec extends CommonSpec {
  readonly type: 'file';
  readonly content: string | Buffer;
}

/** A directory and its entries. */
export interface DirSpec extends CommonSpec {
  readonly type: 'dir';
  readonly children?: TreeSpec;
}

/** A symbolic link. */
export interface SymlinkSpec {
  readonly type: 'symlink';
  readonly target: string;
  readonly mtime?: number;
}

/** A hard link to another file of the spec, named by its '/'-separated path from the root. */
export interface HardlinkSpec {
  readonly type: 'hardlink';
  readonly to: string;
}

/** One entry: a string or Buffer is a plain file with that content. */
export type EntrySpec = string | Buffer | FileSpec | DirSpec | SymlinkSpec | HardlinkSpec;

/** Entries of a directory by name. */
export interface TreeSpec {
  readonly [name: string]: EntrySpec;
}

/**
 * Creates `spec` inside `dir` (made if missing). Files and links first, hard links
 * next, then owners and modes, then mtimes, directories deepest first, so that
 * creating entries does not disturb the times set.
 */
export function writeTree(dir: string, spec: TreeSpec): void {
  fs.mkdirSync(dir, { recursive: true });
  const meta: { p: string; s: CommonSpec | SymlinkSpec; kind: 'file' | 'dir' | 'symlink'; depth: number }[] = [];
  const links: { p: string; to: string }[] = [];
  const build = (d: string, s: TreeSpec, depth: number): void => {
    for (const [name, e] of Object.entries(s)) {
      const p = path.join(d, name);
      if (typeof e === 'string' || Buffer.isBuffer(e)) {
        fs.writeFileSync(nameToBytes(p), e);
        continue;
      }
      switch (e.type) {
        case 'file':
          fs.writeFileSync(nameToBytes(p), e.content);
          meta.push({ p, s: e, kind: 'file', depth });
          break;
        case 'dir':
          fs.mkdirSync(nameToBytes(p), { recursive: true });
          build(p, e.children ?? {}, depth + 1);
          meta.push({ p, s: e, kind: 'dir', depth });
          break;
        case 'symlink':
          fs.symlinkSync(nameToBytes(e.target), nameToBytes(p));
          meta.push({ p, s: e, kind: 'symlink', depth });
          break;
        case 'hardlink':
          links.push({ p, to: path.join(dir, ...e.to.split('/')) });
          break;
      }
    }
  };
  build(dir, spec, 0);
  for (const l of links) fs.linkSync(nameToBytes(l.to), nameToBytes(l.p));
  for (const m of meta) {
    if (m.kind === 'symlink') continue;
    const s = m.s as CommonSpec;
    if (s.owner) fs.lchownSync(nameToBytes(m.p), s.owner.uid, s.owner.gid);
    if (s.mode !== undefined) fs.chmodSync(nameToBytes(m.p), s.mode);
  }
  const ordered = [...meta].sort((a, b) => (a.kind === 'dir' ? 1 : 0) - (b.kind === 'dir' ? 1 : 0) || b.depth - a.depth);
  for (const m of ordered) {
    if (m.s.mtime === undefined) continue;
    if (m.kind === 'symlink') fs.lutimesSync(nameToBytes(m.p), m.s.mtime, m.s.mtime);
    else fs.utimesSync(nameToBytes(m.p), m.s.mtime, m.s.mtime);
  }
}

/** Writes `count` files of `size` random bytes named `prefix0`, `prefix1`, … into `dir`. */
export function writeRandomFiles(dir: string, count: number, size: number, prefix = 'random-'): number {
  fs.mkdirSync(dir, { recursive: true });
  const piece = 1024 * 1024;
  for (let i = 0; i < count; i++) {
    const fd = fs.openSync(path.join(dir, `${prefix}${i}`), 'w');
    try {
      for (let done = 0; done < size; done += piece) fs.writeSync(fd, randomBytes(Math.min(piece, size - done)));
    } finally {
      fs.closeSync(fd);
    }
  }
  return count * size;
}

/** What is known of one entry of a tree on disk. */
export interface EntryInfo {
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  /** mode & 0o7777: permissions with setuid, setgid and sticky bits. */
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly ino: bigint;
  readonly nlink: number;
  readonly size: number;
  /** Regular files: SHA-256 of the content, hex. */
  readonly sha256?: string;
  /** Symlinks: the target (its bytes as raw-name.ts maps them). */
  readonly target?: string;
}

/** A tree on disk: '/'-separated path relative to the root ('' is the root; bytes as raw-name.ts maps them) → entry. */
export type Manifest = Map<string, EntryInfo>;

/** SHA-256 of a file, hex (`p` may hold raw bytes, see raw-name.ts). */
export function sha256File(p: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(nameToBytes(p), 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 1_000_000; i++) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Reads a tree from disk: metadata of every entry and the SHA-256 of every file. */
export function sha256Tree(root: string): Manifest {
  const out: Manifest = new Map();
  const visit = (abs: string, rel: string, depth: number): void => {
    assert.ok(depth < 100, `tree too deep at ${abs}`);
    const st = fs.lstatSync(nameToBytes(abs), { bigint: true });
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.set(rel, {
      type,
      mode: Number(st.mode & 0o7777n),
      mtimeNs: st.mtimeNs,
      uid: Number(st.uid),
      gid: Number(st.gid),
      ino: st.ino,
      nlink: Number(st.nlink),
      size: Number(st.size),
      ...(type === 'file' ? { sha256: sha256File(abs) } : {}),
      ...(type === 'symlink' ? { target: nameFromBytes(fs.readlinkSync(nameToBytes(abs), { encoding: 'buffer' })) } : {}),
    });
    if (type === 'dir') {
      const names = fs.readdirSync(nameToBytes(abs), { encoding: 'buffer' }).sort((a, b) => Buffer.compare(a, b)).map(nameFromBytes);
      for (const name of names) visit(path.join(abs, name), rel === '' ? name : `${rel}/${name}`, depth + 1);
    }
  };
  visit(root, '', 0);
  return out;
}

/** The part of a manifest under `prefix` ('/'-separated, no leading slash), re-rooted there. */
export function subManifest(m: Manifest, prefix: string): Manifest {
  const out: Manifest = new Map();
  for (const [k, v] of m) {
    if (k === prefix) out.set('', v);
    else if (k.startsWith(`${prefix}/`)) out.set(k.slice(prefix.length + 1), v);
  }
  return out;
}

/** What diffTrees compares besides types, content and symlink targets. */
export interface CompareOptions {
  /** Permission bits (with setuid, setgid, sticky). @default true */
  readonly mode?: boolean;
  /** Modification times. @default true */
  readonly mtime?: boolean;
  /** Largest difference of mtimes that is not a difference, exclusive. @default 1000n (to the microsecond) */
  readonly mtimeToleranceNs?: bigint;
  /** Modification times of symlinks. @default true */
  readonly symlinkMtime?: boolean;
  /** Owner uid and gid. @default false */
  readonly owner?: boolean;
  /** Metadata of the root directory itself. @default true */
  readonly root?: boolean;
  /** Paths that share an inode in `expected` share one in `actual`. @default true */
  readonly hardlinks?: boolean;
}

/** The differences between two trees, one readable line each; empty when they match. */
export function diffTrees(expected: Manifest, actual: Manifest, opts: CompareOptions = {}): string[] {
  const o = { mode: true, mtime: true, mtimeToleranceNs: 1000n, symlinkMtime: true, owner: false, root: true, hardlinks: true, ...opts };
  const problems: string[] = [];
  const show = (p: string): string => `/${displayName(p)}`;
  for (const [p, e] of expected) {
    const a = actual.get(p);
    if (!a) {
      problems.push(`${show(p)}: missing`);
      continue;
    }
    if (a.type !== e.type) {
      problems.push(`${show(p)}: is a ${a.type}, expected a ${e.type}`);
      continue;
    }
    if (e.type === 'file' && (a.sha256 !== e.sha256 || a.size !== e.size)) {
      problems.push(`${show(p)}: content differs (size ${a.size} vs ${e.size}, sha256 ${a.sha256 ?? '?'} vs ${e.sha256 ?? '?'})`);
    }
    if (e.type === 'symlink' && a.target !== e.target) problems.push(`${show(p)}: symlink target ${displayName(a.target ?? '?')} vs ${displayName(e.target ?? '?')}`);
    if (p === '' && !o.root) continue;
    if (o.mode && e.type !== 'symlink' && a.mode !== e.mode) {
      problems.push(`${show(p)}: mode ${a.mode.toString(8).padStart(4, '0')}, expected ${e.mode.toString(8).padStart(4, '0')}`);
    }
    if (o.mtime && (e.type !== 'symlink' || o.symlinkMtime)) {
      const d = a.mtimeNs > e.mtimeNs ? a.mtimeNs - e.mtimeNs : e.mtimeNs - a.mtimeNs;
      if (d >= o.mtimeToleranceNs) problems.push(`${show(p)}: mtime ${a.mtimeNs} ns, expected ${e.mtimeNs} ns (off by ${d} ns)`);
    }
    if (o.owner && (a.uid !== e.uid || a.gid !== e.gid)) problems.push(`${show(p)}: owner ${a.uid}:${a.gid}, expected ${e.uid}:${e.gid}`);
  }
  for (const p of actual.keys()) if (!expected.has(p) && p !== '') problems.push(`${show(p)}: unexpected entry`);
  if (o.hardlinks) {
    const groups = new Map<bigint, string[]>();
    for (const [p, e] of expected) {
      if (e.type !== 'file' || e.nlink < 2) continue;
      groups.set(e.ino, [...(groups.get(e.ino) ?? []), p]);
    }
    for (const paths of groups.values()) {
      if (paths.length < 2) continue;
      const inodes = new Set(paths.map((p) => actual.get(p)?.ino));
      if (inodes.size !== 1) problems.push(`${paths.map(show).join(', ')}: hardlinked in the source, separate files after restore`);
    }
  }
  return problems;
}

/** Asserts that `actual` holds the same tree as `expected` (see diffTrees). */
export function assertSameTree(expected: Manifest, actual: Manifest, opts: CompareOptions = {}, what = 'restored tree'): void {
  const problems = diffTrees(expected, actual, opts);
  assert.deepEqual(problems, [], `${what} differs from the source:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------
// Extended attributes, through the attr tools (setfattr/getfattr)

/** Sets a user xattr with setfattr; throws on failure. */
export function setXattr(file: string, name: string, value: string): void {
  const r = spawnSync('setfattr', ['-n', name, '-v', value, file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `setfattr -n ${name} -v ${value} ${file} failed: ${r.stderr}`);
}

/** The value of an xattr through getfattr, or undefined when it is not set. */
export function getXattr(file: string, name: string): string | undefined {
  const r = spawnSync('getfattr', ['--only-values', '--absolute-names', '-n', name, file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * Sets (with `value`) or reads a user xattr of the folder `dir`, or of `file` inside
 * it, where the path may hold raw bytes: through /proc/self/fd of the folder, since the
 * xattr binding takes UTF-8 paths. Reading gives undefined when the attribute is unset;
 * setting gives whether it took (false on a file system without user xattrs).
 */
export function xattrAt(dir: string, file: string | undefined, name: string, value?: string): string | boolean | undefined {
  const fd = fs.openSync(nameToBytes(dir), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  const at = `/proc/self/fd/${fd}/${file ?? '.'}`;
  try {
    if (value === undefined) return getAttributeSync(at, name)?.toString();
    setAttributeSync(at, name, value);
    return getAttributeSync(at, name)?.toString() === value;
  } catch {
    return value === undefined ? undefined : false;
  } finally {
    fs.closeSync(fd);
  }
}
