/**
 * Local-disk source. Uses synchronous file-system calls on purpose: for files in the
 * page cache they cost microseconds, where each promise-based call costs a thread-pool
 * round trip; the CPU-heavy work runs on worker threads meanwhile.
 * Names are bytes: directories are read as Buffers, every path handed to the file
 * system is the Buffer of its bytes (raw-name.ts), and symlink targets are read as
 * bytes, so any name and any target backs up exactly. Extended attribute names stay
 * strings (the xattr binding takes and returns UTF-8 strings).
 */
import fs from 'node:fs';
import path from 'node:path';
import { listAttributesSync, getAttributeSync } from '@napi-rs/xattr';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { hasRawBytes, nameFromBytes, nameToBytes } from '../engine/raw-name.js';
import type { Xattr } from '../engine/tree.js';
import { groupName, userName } from './fs-ids.js';
import type { DirListing, EntryMeta, Source, SourceFile } from './source.js';

/**
 * A string path by which the xattr binding (which encodes paths as UTF-8) reaches the
 * entry at `p`, with the file descriptor to close after; undefined when there is none:
 * a path with raw bytes goes through /proc/self/fd of the directory (for a directory,
 * itself), which works unless a non-directory's own name holds raw bytes.
 */
function xattrPath(p: string, isDir: boolean): { path: string; fd?: number } | undefined {
  if (!hasRawBytes(p)) return { path: p };
  const base = path.basename(p);
  const dir = isDir ? p : path.dirname(p);
  if (!isDir && hasRawBytes(base)) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(nameToBytes(dir), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | (isDir ? fs.constants.O_NOFOLLOW : 0));
  } catch {
    return undefined;
  }
  return { path: isDir ? `/proc/self/fd/${fd}/.` : `/proc/self/fd/${fd}/${base}`, fd };
}

function readXattrs(p: string, isDir: boolean): Xattr[] | undefined {
  const at = xattrPath(p, isDir);
  if (!at) return undefined;
  try {
    let names: string[];
    try {
      names = listAttributesSync(at.path);
    } catch {
      return undefined;
    }
    if (names.length === 0) return undefined;
    const out: Xattr[] = [];
    for (const name of names.sort()) {
      try {
        const v = getAttributeSync(at.path, name);
        if (v) out.push({ name, value: v.toString('base64') });
      } catch {
        // vanished or unreadable attribute: skip it
      }
    }
    return out.length ? out : undefined;
  } finally {
    if (at.fd !== undefined) fs.closeSync(at.fd);
  }
}

/** Metadata of a path from lstat (bigint for full-precision times and inode numbers); `p` may hold raw bytes. */
export function metaOf(p: string, name: string, withXattrs = true): EntryMeta {
  const bytes = nameToBytes(p);
  const st = fs.lstatSync(bytes, { bigint: true });
  const mode = Number(st.mode & 0o7777n);
  const base = {
    name,
    mode,
    mtime: st.mtimeNs.toString(),
    ctime: st.ctimeNs.toString(),
    uid: Number(st.uid),
    gid: Number(st.gid),
    inode: st.ino.toString(),
    dev: st.dev.toString(),
    links: Number(st.nlink),
  };
  const names = { user: userName(base.uid), group: groupName(base.gid) };
  const named = { ...base, ...(names.user ? { user: names.user } : {}), ...(names.group ? { group: names.group } : {}) };
  if (st.isFile()) {
    const x = withXattrs ? readXattrs(p, false) : undefined;
    return { ...named, type: 'file', size: Number(st.size), ...(x ? { xattrs: x } : {}) };
  }
  if (st.isDirectory()) {
    const x = withXattrs ? readXattrs(p, true) : undefined;
    return { ...named, type: 'dir', ...(x ? { xattrs: x } : {}) };
  }
  if (st.isSymbolicLink()) return { ...named, type: 'symlink', target: nameFromBytes(fs.readlinkSync(bytes, { encoding: 'buffer' })) };
  const kind = st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char-device' : 'block-device';
  const dev = st.isCharacterDevice() || st.isBlockDevice() ? { rdev: st.rdev.toString() } : {};
  return { ...named, type: 'other', kind, ...dev };
}

/**
 * The entries of the directory at absolute path `dir` (raw bytes as U+DC80..U+DCFF)
 * with their metadata; an entry that cannot be examined goes to `errors`. Throws when
 * the directory itself cannot be read. Synchronous: FsSource and the file workers
 * (pipeline/file-worker.ts, which list folders ahead of the walk) both call it.
 */
export function listDir(dir: string): DirListing {
  const listing: DirListing = { entries: [], errors: [] };
  const names = fs.readdirSync(nameToBytes(dir), { encoding: 'buffer' }).map(nameFromBytes);
  for (const name of names) {
    try {
      listing.entries.push(metaOf(path.join(dir, name), name));
    } catch (err) {
      listing.errors.push({ name, message: (err as Error).message });
    }
  }
  return listing;
}

/** A directory (or single file) on local disk. */
export class FsSource implements Source {
  readonly type = 'fs';
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  private abs(rel: string): string {
    return rel === '' ? this.location : path.join(this.location, rel);
  }

  stat(): Promise<EntryMeta> {
    try {
      return Promise.resolve(metaOf(this.location, path.basename(this.location)));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return Promise.reject(new CofferError(ErrorCode.NotFound, `source ${this.location} does not exist; check the path`));
      }
      return Promise.reject(new CofferError(ErrorCode.Permission, `cannot read source ${this.location}: ${(err as Error).message}`));
    }
  }

  readDir(rel: string): Promise<DirListing> {
    try {
      return Promise.resolve(listDir(this.abs(rel)));
    } catch (err) {
      return Promise.reject(CofferError.from(err));
    }
  }

  open(rel: string): Promise<SourceFile> {
    let fd: number;
    try {
      fd = fs.openSync(nameToBytes(this.abs(rel)), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (err) {
      return Promise.reject(CofferError.from(err));
    }
    let closed = false;
    return Promise.resolve({
      read(buf: Buffer, offset: number, length: number): Promise<number> {
        try {
          return Promise.resolve(fs.readSync(fd, buf, offset, length, null));
        } catch (err) {
          return Promise.reject(CofferError.from(err));
        }
      },
      close(): Promise<void> {
        if (!closed) {
          closed = true;
          fs.closeSync(fd);
        }
        return Promise.resolve();
      },
    });
  }

  /** The absolute path; raw bytes as U+DC80..U+DCFF (give the file system `nameToBytes` of it). */
  localPath(rel: string): string {
    return this.abs(rel);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
