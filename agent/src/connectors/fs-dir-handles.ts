/**
 * Directory handles for a restore that cannot be redirected. The restore root is opened
 * once (a symlink there is followed, that one time); every directory under it is
 * opened relative to its parent's handle with O_NOFOLLOW|O_DIRECTORY, so a symlink in
 * the target is never followed. Node has no openat(), but on Linux the magic link
 * `/proc/self/fd/<fd>/<name>` resolves through the open directory, so names under a
 * handle are reached by that path: openat semantics. Guarantees:
 * - a directory is only ever entered through a handle opened without following symlinks
 *   (a directory swapped for a symlink fails with ELOOP/ENOTDIR: refused, never followed);
 * - `verify()` checks that a held directory is still where it was opened (matched by
 *   device and inode at each level up to the root whose parent someone else may write:
 *   only there can a directory be renamed away), so entries created in a directory that
 *   was moved are detected and removed by the caller;
 * - at most `maxOpen` unpinned handles stay open (LRU); an evicted one is re-opened from
 *   the root, component by component, O_NOFOLLOW each;
 * - `ours` holds only for a handle of a directory this restore made (`markMade`, right
 *   after its mkdir) that is still ours alone (our uid, no group or other bits): nobody
 *   else can have put anything in it. A re-opened handle is never `ours`.
 * Where /proc/self/fd does not work (not Linux), names are reached by absolute paths:
 * each directory is checked with lstat before it is opened, and `verify()` runs each
 * time a directory is used as well as after each creation: the same refusals, but with
 * a small window between check and use in which a swapped symlink could be followed.
 */
import fs from 'node:fs';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { displayName, hasRawBytes, nameFromBytes, nameToBytes } from '../engine/raw-name.js';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = fs.constants;
const OPEN_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/** One open directory of the target. */
export interface DirHandle {
  /** Path of the directory relative to the root, '/'-separated ('' for the root). */
  readonly rel: string;
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Made by this restore (markMade) and still ours alone: nothing in it but what we put there. */
  readonly ours: boolean;
  /** The path by which a child name of this directory is reached (last component not followed by the l* calls). */
  child(name: Buffer): Buffer;
  /** The same, as a string (for APIs without Buffer paths); undefined when it would need raw bytes. */
  childString(name: string): string | undefined;
}

interface Entry extends DirHandle {
  /** The name's bytes in its parent. */
  readonly name: Buffer;
  pins: number;
  /**
   * Whether anyone but us may rename entries in it (not ours, or group/other-writable;
   * an ACL granting write shows in the group bits). Only there can a child be moved.
   */
  othersMayWrite: boolean;
  /** Our uid, no group or other bits, when last looked at. */
  alone: boolean;
  /** The generation at which no level above it was found writable by others (-1: not known). */
  safeAt: number;
  made: boolean;
  ours: boolean;
}

const myUid = typeof process.getuid === 'function' ? process.getuid() : -1;

function othersMayWrite(st: fs.BigIntStats): boolean {
  return Number(st.uid) !== myUid || (st.mode & 0o022n) !== 0n;
}

/** Whether only we can reach into the directory of `st` (our uid, no group or other bits). */
function oursAlone(st: fs.BigIntStats): boolean {
  return Number(st.uid) === myUid && (st.mode & 0o077n) === 0n;
}

/** The parent of a relative directory path ('' for top-level names). */
export function parentRel(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** The last component of a relative path. */
export function baseName(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/** A refusal: `what` could not be restored because `dirRel` is not the directory this restore made or found. */
export function refused(what: string, dirRel: string, why: string, code = ErrorCode.Corrupt): CofferError {
  const where = dirRel === '' ? 'the target' : `'${displayName(dirRel)}'`;
  return new CofferError(code, `refusing to restore '${displayName(what)}': ${where} ${why}; nothing is written through it`);
}

function isRefusal(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'ENOTDIR';
}

/** Whether the name of `e` in `parent` is still the directory `e`. */
function inPlace(parent: Entry, e: Entry): boolean {
  const st = fs.lstatSync(parent.child(e.name), { bigint: true, throwIfNoEntry: false });
  return st !== undefined && st.isDirectory() && st.ino === e.ino && st.dev === e.dev;
}

/** Whether `/proc/self/fd/<fd>` reaches the directory open as `fd` (Linux). */
function procFdWorks(fd: number): boolean {
  try {
    const a = fs.fstatSync(fd, { bigint: true });
    const b = fs.statSync(`/proc/self/fd/${fd}`, { bigint: true });
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** The open directories of one restore target. */
export class DirHandles {
  private readonly cache = new Map<string, Entry>();
  /** Whether names are reached through /proc/self/fd (else by absolute path, re-checked). */
  readonly viaProc: boolean;
  /** Fallback only: the root's real path, so a later swap of a symlinked root is not followed. */
  private readonly rootBytes: Buffer;
  /** Bumped whenever who may write into a held directory changes (refresh). */
  private generation = 0;

  /** Opens `rootPath` (following a symlink there). `useProc: false` forces the fallback (tests). */
  constructor(rootPath: string, private readonly maxOpen = 128, useProc = true) {
    const fd = fs.openSync(rootPath, O_RDONLY | O_DIRECTORY);
    this.viaProc = useProc && procFdWorks(fd);
    this.rootBytes = this.viaProc ? Buffer.alloc(0) : fs.realpathSync(rootPath, { encoding: 'buffer' });
    const root = this.entry('', Buffer.alloc(0), fd);
    root.pins = 1; // never evicted
    this.cache.set('', root);
  }

  private entry(rel: string, name: Buffer, fd: number): Entry {
    const st = fs.fstatSync(fd, { bigint: true });
    const base = this.viaProc
      ? Buffer.from(`/proc/self/fd/${fd}/`)
      : Buffer.concat([this.rootBytes, Buffer.from('/'), rel === '' ? Buffer.alloc(0) : Buffer.concat([nameToBytes(rel), Buffer.from('/')])]);
    const baseStr = nameFromBytes(base);
    return {
      rel,
      name,
      fd,
      dev: st.dev,
      ino: st.ino,
      pins: 0,
      othersMayWrite: othersMayWrite(st),
      alone: oursAlone(st),
      safeAt: -1,
      made: false,
      ours: false,
      child: (n: Buffer) => Buffer.concat([base, n]),
      childString: (n: string) => (hasRawBytes(baseStr + n) ? undefined : baseStr + n),
    };
  }

  /**
   * The handle of directory `rel`, opened if needed, pinned (not evicted) until `release`.
   * Throws a refusal when a component is a symlink or not a directory (`what` is the
   * entry being restored, for the message).
   */
  acquire(rel: string, what = rel): DirHandle {
    const e = this.pin(rel, what);
    if (!this.viaProc && rel !== '') {
      try {
        this.verify(e, what);
      } catch (err) {
        this.release(e);
        throw err;
      }
    }
    return e;
  }

  private pin(rel: string, what: string): Entry {
    let e = this.cache.get(rel);
    if (e) {
      this.cache.delete(rel);
      this.cache.set(rel, e); // most recently used
      e.pins++;
    } else {
      const parent = this.pin(parentRel(rel), what);
      try {
        const name = nameToBytes(baseName(rel));
        let fd: number;
        try {
          if (!this.viaProc) {
            const st = fs.lstatSync(parent.child(name), { throwIfNoEntry: false });
            if (st && !st.isDirectory()) throw refused(what, rel, 'is a symlink or not a directory');
          }
          fd = fs.openSync(parent.child(name), OPEN_DIR);
        } catch (err) {
          if (isRefusal(err)) throw refused(what, rel, 'is a symlink or not a directory');
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw refused(what, rel, 'is missing (removed during the restore?)', ErrorCode.NotFound);
          throw CofferError.from(err);
        }
        e = this.entry(rel, name, fd);
        e.pins = 1; // before the parent's release may evict
        this.cache.set(rel, e);
      } finally {
        this.release(parent);
      }
    }
    this.evict();
    return e;
  }

  /** Re-reads who may write into `h` (after its mode or owner was changed). */
  refresh(h: DirHandle): void {
    const e = h as Entry;
    const st = fs.fstatSync(h.fd, { bigint: true });
    e.othersMayWrite = othersMayWrite(st);
    e.alone = oursAlone(st);
    e.ours = e.made && e.alone;
    this.generation++;
  }

  /** Records that the directory of `h` was just made by this restore (its mkdir succeeded, then it was opened and verified). */
  markMade(h: DirHandle): void {
    const e = h as Entry;
    e.made = true;
    e.ours = e.alone;
  }

  /** Unpins a handle from `acquire`. */
  release(h: DirHandle): void {
    (h as Entry).pins--;
    this.evict();
  }

  /**
   * Throws a refusal unless `h` and every directory above it are still where they were
   * opened. Only levels whose parent others may write can have changed, so only those
   * are looked at; when there is none (the usual case: a target only we can write), that
   * is remembered on `h` until who may write somewhere changes (refresh).
   */
  verify(h: DirHandle, what: string = h.rel): void {
    const e = h as Entry;
    if (e.safeAt === this.generation) return;
    let exposed = false;
    for (let cur = e; cur.rel !== ''; ) {
      const parent = this.pin(parentRel(cur.rel), what);
      try {
        exposed ||= parent.othersMayWrite;
        if (parent.othersMayWrite && !inPlace(parent, cur)) throw refused(what, cur.rel, 'was moved or replaced during the restore');
      } finally {
        this.release(parent);
      }
      cur = parent;
    }
    if (!exposed) e.safeAt = this.generation;
  }

  private evict(): void {
    if (this.cache.size <= this.maxOpen) return;
    for (const [rel, e] of this.cache) {
      if (this.cache.size <= this.maxOpen) break;
      if (e.pins > 0) continue;
      this.cache.delete(rel);
      fs.closeSync(e.fd);
    }
  }

  /** Number of open directory handles (tests). */
  get openCount(): number {
    return this.cache.size;
  }

  /** Closes every handle. */
  close(): void {
    for (const e of this.cache.values()) fs.closeSync(e.fd);
    this.cache.clear();
  }
}
