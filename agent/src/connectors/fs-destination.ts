/**
 * Restore to local disk. Files are written as `.<name>.coffer-<rand>` beside their
 * final name and renamed into place. Every parent directory on the way is checked
 * with lstat once, so a symlink planted in the target cannot redirect the restore.
 * Ownership is restored when running as root; times to the precision utimes allows
 * (sub-microsecond).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { TreeNode } from '../engine/tree.js';
import type { Destination, DestinationFile, ExistingEntry } from './destination.js';
import { applyMetadata } from './fs-metadata.js';

/** Temporary names: unique per process without a CSPRNG call per file. */
const tmpPrefix = `coffer-${process.pid.toString(36)}-${randomBytes(3).toString('hex')}-`;
let tmpCounter = 0;

function tmpName(final: string): string {
  return path.join(path.dirname(final), `.${path.basename(final).slice(0, 200)}.${tmpPrefix}${(tmpCounter++).toString(36)}`);
}

/** A local directory to restore into. */
export class FsDestination implements Destination {
  readonly location: string;
  private readonly safeDirs = new Set<string>();

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  /** Absolute path of `rel`, after checking that no parent is a symlink or outside the root. */
  private abs(rel: string): string {
    const p = path.resolve(this.location, rel);
    if (p !== this.location && !p.startsWith(this.location + path.sep)) {
      throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': it would land outside ${this.location}`);
    }
    const parts = rel.split('/').slice(0, -1);
    let cur = this.location;
    for (const part of parts) {
      cur = path.join(cur, part);
      if (this.safeDirs.has(cur)) continue;
      const st = fs.lstatSync(cur, { throwIfNoEntry: false });
      if (st && !st.isDirectory()) {
        throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': ${cur} is not a directory (a symlink or file is in the way)`);
      }
      if (st) this.safeDirs.add(cur);
    }
    return p;
  }

  prepare(): Promise<boolean> {
    try {
      const existed = fs.existsSync(this.location);
      fs.mkdirSync(this.location, { recursive: true, mode: 0o700 });
      this.safeDirs.add(this.location);
      return Promise.resolve(!existed);
    } catch (err) {
      return Promise.reject(CofferError.from(err));
    }
  }

  lookup(rel: string): Promise<ExistingEntry | undefined> {
    const st = fs.lstatSync(this.abs(rel), { bigint: true, throwIfNoEntry: false });
    if (!st) return Promise.resolve(undefined);
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    return Promise.resolve({ type, size: Number(st.size), mtime: st.mtimeNs.toString() });
  }

  makeDir(rel: string): Promise<boolean> {
    const p = this.abs(rel);
    let created = true;
    try {
      fs.mkdirSync(p, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return Promise.reject(CofferError.from(err));
      if (!fs.lstatSync(p).isDirectory()) {
        return Promise.reject(new CofferError(ErrorCode.Corrupt, `cannot restore directory ${p}: something else is there`));
      }
      created = false;
    }
    this.safeDirs.add(p);
    return Promise.resolve(created);
  }

  createFile(rel: string): Promise<DestinationFile> {
    const final = this.abs(rel);
    const tmp = tmpName(final);
    let fd: number | undefined = fs.openSync(tmp, 'wx', 0o600);
    const close = (): void => {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    };
    return Promise.resolve({
      write(data: Uint8Array, position: number): Promise<void> {
        let done = 0;
        while (done < data.length) done += fs.writeSync(fd as number, data, done, data.length - done, position + done);
        return Promise.resolve();
      },
      commit(node: TreeNode): Promise<void> {
        close();
        fs.renameSync(tmp, final);
        applyMetadata(final, node);
        return Promise.resolve();
      },
      abort(): Promise<void> {
        close();
        fs.rmSync(tmp, { force: true });
        return Promise.resolve();
      },
    });
  }

  makeSymlink(rel: string, target: string): Promise<void> {
    const p = this.abs(rel);
    const tmp = tmpName(p);
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, p);
    return Promise.resolve();
  }

  makeHardlink(rel: string, existingRel: string): Promise<void> {
    const p = this.abs(rel);
    fs.rmSync(p, { force: true });
    fs.linkSync(this.abs(existingRel), p);
    return Promise.resolve();
  }

  setMetadata(rel: string, node: TreeNode): Promise<void> {
    applyMetadata(this.abs(rel), node);
    return Promise.resolve();
  }

  remove(rel: string): Promise<void> {
    fs.rmSync(this.abs(rel), { force: true });
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
