/**
 * One file being restored to local disk (FsDestination.createFile). Where it is written:
 * - in a directory this restore made and that is still ours alone (DirHandle.ours: our
 *   uid, mode 0700 until its own metadata is applied after its content), nothing can
 *   be in the way and nobody else can look in: the file is created under its final
 *   name (O_CREAT|O_EXCL|O_NOFOLLOW: never over anything, never through a symlink),
 *   with its final mode when open() can give it (fs-metadata.ts creationMode), and
 *   written in place. No temporary name, no rename, no chmod;
 * - anywhere else (a directory that existed before: overwrite policies apply): under a
 *   temporary name beside the final one, mode 0600, renamed over the final name at commit.
 * Either way the directory is verified before and after the creation and again at
 * commit; when it was moved or replaced the file is removed and the entry refused.
 * Commit sets the size (only when the written end falls short of it), the owner, the
 * mode (unless set at creation), the times, all through the descriptor, then closes it.
 * `abort` removes what was created, under whichever name.
 * What an interrupted restore leaves: a restore that is stopped (signal, error) aborts
 * every file not committed, so nothing half-written remains. One that is killed outright
 * (SIGKILL, power loss) may leave, in folders it made, files under their final names
 * that are shorter than in the snapshot or hold zeros where data was still to come;
 * their times are not the snapshot's (set only at commit) and their folders keep mode
 * 0700 (set at the end), so `restore --overwrite if-changed` into the same target
 * restores them again. restic leaves partial files the same way.
 * The calls are synchronous: per small file, libuv's thread pool cost more CPU (a
 * wake-up and a completion per call) than it saved by overlapping (docs/performance.md).
 */
import fs from 'node:fs';
import type { CofferError } from '@coffer/shared/errors.js';
import { nameToBytes } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';
import type { DestinationFile } from './destination.js';
import { baseName, type DirHandle, type DirHandles, parentRel } from './fs-dir-handles.js';
import { applyMetadataFd, creationMode } from './fs-metadata.js';
import { writeSparse } from './fs-sparse.js';
import { tempName } from './fs-temp-name.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** Removes a file or symlink we created, if it is still there. */
export function unlinkQuiet(p: Buffer): void {
  try {
    fs.unlinkSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** After `name` was created in `dir`: checks `dir` is still in place, else removes `name` and throws. */
export function verifyCreated(dirs: DirHandles, dir: DirHandle, name: Buffer, rel: string): void {
  try {
    dirs.verify(dir, rel);
  } catch (err) {
    unlinkQuiet(dir.child(name));
    throw err;
  }
}

/** Turns an error of the file `rel` into the destination's one-line error. */
export type FailFn = (err: unknown, rel: string) => CofferError;

/**
 * Creates the file `rel` (see the module comment for where); `node`, when known, is
 * what its commit will apply, so that it can be created with its mode.
 */
export function createFsFile(dirs: DirHandles, rel: string, node: TreeNode | undefined, fail: FailFn): DestinationFile {
  let dir: DirHandle;
  try {
    dir = dirs.acquire(parentRel(rel), rel);
  } catch (err) {
    throw fail(err, rel);
  }
  // xattrs are set through a string path: a name with raw bytes has none, so such a file takes the temporary name.
  const inPlace = dir.ours && (node?.xattrs === undefined || node.xattrs.length === 0 || dir.childString(baseName(rel)) !== undefined);
  const final = nameToBytes(baseName(rel));
  const tmpStr = inPlace ? undefined : tempName(baseName(rel));
  const name = tmpStr === undefined ? final : Buffer.from(tmpStr, 'utf8');
  const created = inPlace && node !== undefined ? creationMode(node.mode) : undefined;
  let fd: number | undefined;
  try {
    dirs.verify(dir, rel);
    fd = fs.openSync(dir.child(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, created ?? 0o600);
    verifyCreated(dirs, dir, name, rel);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    dirs.release(dir);
    throw fail(err, rel);
  }
  return new FsFile(dirs, dir, rel, fd, name, final, tmpStr, created, fail);
}

class FsFile implements DestinationFile {
  /** The file's size on disk so far (past the last byte written). */
  private size = 0;
  private open = true;

  constructor(
    private readonly dirs: DirHandles,
    private readonly dir: DirHandle,
    private readonly rel: string,
    private fd: number | undefined,
    /** The name it was created under (its final name when written in place). */
    private readonly name: Buffer,
    private readonly final: Buffer,
    private readonly tmpStr: string | undefined,
    private readonly createdMode: number | undefined,
    private readonly fail: FailFn,
  ) {}

  write(data: Uint8Array, position: number): Promise<void> {
    try {
      this.size = Math.max(this.size, writeSparse(this.fd as number, data, position));
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, this.rel));
    }
  }

  commit(node: TreeNode): Promise<void> {
    try {
      const fd = this.fd as number;
      const size = node.size ?? this.size;
      if (size !== this.size) fs.ftruncateSync(fd, size);
      applyMetadataFd(fd, node, this.dir.childString(this.tmpStr ?? baseName(this.rel)), this.createdMode === node.mode);
      this.fd = undefined;
      fs.closeSync(fd);
      if (this.tmpStr === undefined) {
        verifyCreated(this.dirs, this.dir, this.final, this.rel);
      } else {
        this.dirs.verify(this.dir, this.rel);
        fs.renameSync(this.dir.child(this.name), this.dir.child(this.final));
        verifyCreated(this.dirs, this.dir, this.final, this.rel);
      }
      return Promise.resolve();
    } catch (err) {
      this.discard();
      return Promise.reject(this.fail(err, this.rel));
    } finally {
      this.finish();
    }
  }

  abort(): Promise<void> {
    if (!this.open) return Promise.resolve();
    try {
      this.discard();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(this.fail(err, this.rel));
    } finally {
      this.finish();
    }
  }

  /** Closes the file if open and removes it under the name it was created with. */
  private discard(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    unlinkQuiet(this.dir.child(this.name));
  }

  private finish(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    if (this.open) this.dirs.release(this.dir);
    this.open = false;
  }
}
