/**
 * Restore to local disk, safe against someone who can write to the target while the
 * restore runs (the owner of a home directory that root restores into). Guarantees:
 * - no path inside the target is ever followed through a symlink; only the target
 *   itself may be one, followed once at prepare(). Every directory is opened relative
 *   to its parent's handle with O_NOFOLLOW (fs-dir-handles.ts: /proc/self/fd on Linux,
 *   lstat re-checks elsewhere); an entry whose directory was swapped for a symlink, or
 *   moved away, after it was made is refused with a per-entry error, and what was
 *   created for it is removed, so nothing is created or changed outside the target;
 * - files (fs-file.ts) are created O_CREAT|O_EXCL|O_NOFOLLOW and get their metadata
 *   through their own descriptor: in a folder this restore made and that only we can
 *   enter, under their final name, written in place; elsewhere under a temporary name
 *   beside the final one (at most 255 bytes: fs-temp-name.ts), renamed into place when
 *   complete. Symlinks and hard links always appear by rename;
 * - runs of zeros become holes (fs-sparse.ts) and the size is set at commit;
 * - names are bytes: every call takes a Buffer path made with nameToBytes, so raw bytes
 *   in names and symlink targets land exactly.
 * Ownership is restored when running as root; times to the precision utimes allows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode, isCode } from '@coffer/shared/errors.js';
import { displayName, nameToBytes } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';
import type { Destination, DestinationFile, ExistingEntry } from './destination.js';
import { baseName, type DirHandle, DirHandles, parentRel } from './fs-dir-handles.js';
import { createFsFile, unlinkQuiet, verifyCreated } from './fs-file.js';
import { applyMetadataFd, applyMetadataNoFollow } from './fs-metadata.js';
import { makeSpecial, specialRefusal } from './fs-special.js';
import { tempName } from './fs-temp-name.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

/** Removes a directory we made, if it is still there and empty (else leaves it). */
function tryRmdir(p: Buffer): void {
  try {
    fs.rmdirSync(p);
  } catch {
    // swapped for something else, or not empty: not ours to remove
  }
}

/** Options of a local destination (tests). */
export interface FsDestinationOptions {
  /** Directory handles kept open at most (LRU); default 128. */
  readonly maxOpenDirs?: number;
  /** false: use the lstat fallback even where /proc/self/fd works. */
  readonly useProcFd?: boolean;
}

/** A local directory to restore into. */
export class FsDestination implements Destination {
  readonly location: string;
  /** Times are set through utimes, which takes microseconds. */
  readonly timePrecisionNs = 1000;
  private handles: DirHandles | undefined;

  constructor(
    root: string,
    private readonly opts: FsDestinationOptions = {},
  ) {
    this.location = path.resolve(root);
  }

  /** Whether names are reached through /proc/self/fd (undefined before prepare). */
  get viaProcFd(): boolean | undefined {
    return this.handles?.viaProc;
  }

  private openHandles(): DirHandles {
    return new DirHandles(this.location, this.opts.maxOpenDirs, this.opts.useProcFd ?? true);
  }

  /** The directory handles (opened by prepare(), or on first use). */
  private get dirs(): DirHandles {
    this.handles ??= this.openHandles();
    return this.handles;
  }

  /** A one-line error naming `rel` instead of the /proc path the call used. */
  private fail(err: unknown, rel: string): CofferError {
    if (err instanceof CofferError) return err;
    const e = CofferError.from(err);
    const errno = err as NodeJS.ErrnoException;
    const why = errno.code ? `${errno.code}: ${errno.message.split(', ')[0]?.replace(/^[A-Z]+: /, '') ?? ''}` : e.message;
    const what = rel === '' ? `into ${this.location}` : `'${displayName(rel)}' in ${this.location}`;
    return new CofferError(e.code, `cannot restore ${what}: ${why}`, { cause: err });
  }

  /** Runs `f` with the (pinned) handle of `rel`'s parent directory and the bytes of its name. */
  private inParent<T>(rel: string, f: (dir: DirHandle, name: Buffer) => T): T {
    const dir = this.dirs.acquire(parentRel(rel), rel);
    try {
      return f(dir, nameToBytes(baseName(rel)));
    } catch (err) {
      throw this.fail(err, rel);
    } finally {
      this.dirs.release(dir);
    }
  }

  prepare(): Promise<boolean> {
    try {
      const existed = fs.existsSync(this.location);
      if (existed && !fs.statSync(this.location).isDirectory()) {
        throw new CofferError(ErrorCode.Usage, `cannot restore into ${this.location}: it is not a directory (give --to a folder)`);
      }
      fs.mkdirSync(this.location, { recursive: true, mode: 0o700 });
      this.handles ??= this.openHandles();
      return Promise.resolve(!existed);
    } catch (err) {
      return Promise.reject(this.fail(err, ''));
    }
  }

  lookup(rel: string): Promise<ExistingEntry | undefined> {
    let st: fs.BigIntStats | undefined;
    try {
      st = this.inParent(rel, (dir, name) => fs.lstatSync(dir.child(name), { bigint: true, throwIfNoEntry: false }));
    } catch (err) {
      if (isCode(err, ErrorCode.NotFound)) return Promise.resolve(undefined);
      return Promise.reject(this.fail(err, rel));
    }
    if (!st) return Promise.resolve(undefined);
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    return Promise.resolve({ type, size: Number(st.size), mtime: st.mtimeNs.toString() });
  }

  makeDir(rel: string): Promise<boolean> {
    if (rel === '') return Promise.resolve(false);
    try {
      const created = this.inParent(rel, (dir, name) => {
        this.dirs.verify(dir, rel);
        let made = true;
        try {
          fs.mkdirSync(dir.child(name), { mode: 0o700 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          made = false;
        }
        // Open it without following a symlink (refused if one was swapped in) and check it is in place.
        try {
          const h = this.dirs.acquire(rel, rel);
          try {
            this.dirs.verify(h, rel);
            if (made) this.dirs.markMade(h);
          } finally {
            this.dirs.release(h);
          }
        } catch (err) {
          if (made) tryRmdir(dir.child(name));
          throw err;
        }
        return made;
      });
      return Promise.resolve(created);
    } catch (err) {
      return Promise.reject(this.fail(err, rel));
    }
  }

  createFile(rel: string, node?: TreeNode): Promise<DestinationFile> {
    try {
      return Promise.resolve(createFsFile(this.dirs, rel, node, (err, r) => this.fail(err, r)));
    } catch (err) {
      return Promise.reject(CofferError.from(err));
    }
  }

  /** Makes `rel` appear by renaming over it what `make` creates under a temporary name. */
  private placeByRename(rel: string, make: (dir: DirHandle, tmp: Buffer) => void): void {
    this.inParent(rel, (dir, name) => {
      const tmp = Buffer.from(tempName(baseName(rel)), 'utf8');
      this.dirs.verify(dir, rel);
      make(dir, tmp);
      try {
        fs.renameSync(dir.child(tmp), dir.child(name));
      } catch (err) {
        unlinkQuiet(dir.child(tmp));
        throw err;
      }
      verifyCreated(this.dirs, dir, name, rel);
    });
  }

  makeSymlink(rel: string, target: string): Promise<void> {
    try {
      this.placeByRename(rel, (dir, tmp) => fs.symlinkSync(nameToBytes(target), dir.child(tmp)));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, rel));
    }
  }

  makeSpecial(rel: string, node: TreeNode): Promise<void> {
    try {
      this.placeByRename(rel, (dir, tmp) => makeSpecial(dir.child(tmp), node));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, rel));
    }
  }

  specialRefusal(node: TreeNode): string | undefined {
    return specialRefusal(node, process.getuid?.() === 0);
  }

  makeHardlink(rel: string, existingRel: string): Promise<void> {
    try {
      // link() does not follow a symlink at the existing name.
      this.inParent(existingRel, (from, existing) => this.placeByRename(rel, (dir, tmp) => fs.linkSync(from.child(existing), dir.child(tmp))));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, rel));
    }
  }

  setMetadata(rel: string, node: TreeNode): Promise<void> {
    try {
      if (rel === '' || node.type === 'dir') {
        const h = this.dirs.acquire(rel, rel);
        try {
          this.dirs.verify(h, rel);
          applyMetadataFd(h.fd, node, h.childString('.'));
          this.dirs.refresh(h);
        } finally {
          this.dirs.release(h);
        }
      } else if (node.type === 'file') {
        this.inParent(rel, (dir, name) => {
          const fd = fs.openSync(dir.child(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
          try {
            applyMetadataFd(fd, node, dir.childString(baseName(rel)));
          } finally {
            fs.closeSync(fd);
          }
        });
      } else {
        this.inParent(rel, (dir, name) => applyMetadataNoFollow(dir.child(name), node));
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, rel));
    }
  }

  remove(rel: string): Promise<void> {
    try {
      this.inParent(rel, (dir, name) => {
        const p = dir.child(name);
        const st = fs.lstatSync(p, { throwIfNoEntry: false });
        if (st?.isDirectory()) fs.rmdirSync(p);
        else if (st) fs.unlinkSync(p);
      });
      return Promise.resolve();
    } catch (err) {
      if (isCode(err, ErrorCode.NotFound)) return Promise.resolve();
      return Promise.reject(this.fail(err, rel));
    }
  }

  close(): Promise<void> {
    this.handles?.close();
    this.handles = undefined;
    return Promise.resolve();
  }
}
