/**
 * Store on a local (or locally mounted) file system. Writes go to `tmp/` under a
 * random name, are fsync'ed, then renamed into place, so a crash leaves either the
 * whole file or none. Directories are 0700, files 0600 (0400 would break nothing but
 * makes `rm -r` of a store ask questions).
 */
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { type FileInfo, type FileKind, isValidName, layoutDirs, partsOf, type Range, relPath, type StorageBackend } from './backend.js';

function mapError(err: unknown, what: string): CofferError {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return new CofferError(ErrorCode.NotFound, `${what}: no such file`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new CofferError(ErrorCode.Permission, `${what}: permission denied; check the owner and mode of the store folder`, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new CofferError(ErrorCode.NoSpace, `${what}: no space left on the device (or quota exceeded); free space and retry`, { cause: err });
    default:
      return CofferError.from(err);
  }
}

/** A store rooted at a local directory. */
export class FsBackend implements StorageBackend {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = root;
  }

  private abs(kind: FileKind, name: string): string {
    return path.join(this.root, relPath(kind, name));
  }

  /** StoreNotFound (exit 10) when the store's path, or a folder on the way to it, is a file. */
  private async notAFile(): Promise<void> {
    let dir = this.root;
    for (let i = 0; i < 64; i++) {
      const st = await fsp.stat(dir).catch(() => undefined);
      if (st && !st.isDirectory()) {
        const what = dir === this.root ? `${this.root} is a file` : `${dir} (on the way to ${this.root}) is a file`;
        throw new CofferError(ErrorCode.StoreNotFound, `${what}, not a store folder: give the folder of a store, or a new folder to create one in`);
      }
      if (st) return;
      const up = path.dirname(dir);
      if (up === dir) return;
      dir = up;
    }
  }

  async exists(): Promise<boolean> {
    await this.notAFile();
    try {
      await fsp.access(this.abs('config', ''), fsc.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async init(): Promise<void> {
    await this.notAFile();
    let entries: string[] = [];
    try {
      entries = await fsp.readdir(this.root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw mapError(err, this.root);
    }
    if (entries.includes('config')) {
      throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${this.root}; use it, or choose an empty folder`);
    }
    if (entries.length > 0) {
      throw new CofferError(ErrorCode.StoreExists, `${this.root} is not empty; choose an empty or new folder for the store`);
    }
    try {
      await fsp.mkdir(this.root, { recursive: true, mode: 0o700 });
      for (const d of layoutDirs()) await fsp.mkdir(path.join(this.root, d), { mode: 0o700 });
    } catch (err) {
      throw mapError(err, this.root);
    }
  }

  async save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const final = this.abs(kind, name);
    if (kind !== 'config') {
      try {
        await fsp.access(final, fsc.F_OK);
        return;
      } catch {
        // not there yet: write it
      }
    }
    const tmp = path.join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.tmp`);
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(tmp, 'wx', 0o600).catch(async (err: unknown) => {
        // Tools that copy stores may drop empty folders: recreate tmp/ and retry once.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await fsp.mkdir(path.dirname(tmp), { recursive: true, mode: 0o700 });
        return fsp.open(tmp, 'wx', 0o600);
      });
      await fh.writev(partsOf(data) as Uint8Array[]);
      await fh.sync();
      await fh.close();
      fh = undefined;
      if (kind === 'config') {
        // link() fails when the target exists: a config is never overwritten.
        await fsp.link(tmp, final);
        await fsp.unlink(tmp);
      } else {
        await fsp.rename(tmp, final).catch(async (err: unknown) => {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          await fsp.mkdir(path.dirname(final), { recursive: true, mode: 0o700 });
          await fsp.rename(tmp, final);
        });
      }
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && kind === 'config') {
        throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${this.root}`);
      }
      throw mapError(err, `writing ${relPath(kind, name)} in ${this.root}`);
    }
  }

  async replaceConfig(data: Uint8Array): Promise<void> {
    const final = this.abs('config', '');
    const tmp = path.join(this.root, 'tmp', `${randomBytes(12).toString('hex')}.tmp`);
    try {
      await fsp.access(final, fsc.F_OK);
      await fsp.mkdir(path.dirname(tmp), { recursive: true, mode: 0o700 });
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      // rename() replaces the old config in one step; the folder is synced so the new one survives a crash.
      await fsp.rename(tmp, final);
      const dir = await fsp.open(this.root, 'r');
      await dir.sync().finally(() => dir.close());
    } catch (err) {
      await fsp.unlink(tmp).catch(() => undefined);
      throw mapError(err, `replacing the config of ${this.root}`);
    }
  }

  async load(kind: FileKind, name: string, range?: Range): Promise<Buffer> {
    const p = this.abs(kind, name);
    try {
      if (!range) return await fsp.readFile(p);
      const fh = await fsp.open(p, 'r');
      try {
        const buf = Buffer.allocUnsafe(range.length);
        let got = 0;
        while (got < range.length) {
          const { bytesRead } = await fh.read(buf, got, range.length - got, range.offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== range.length) {
          throw new CofferError(ErrorCode.Corrupt, `${relPath(kind, name)} in ${this.root} is truncated (wanted ${range.length} bytes at ${range.offset}, got ${got})`);
        }
        return buf;
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (err instanceof CofferError) throw err;
      if (kind === 'config' && (err as NodeJS.ErrnoException).code === 'ENOTDIR') await this.notAFile();
      throw mapError(err, `${relPath(kind, name)} in ${this.root}`);
    }
  }

  async stat(kind: FileKind, name: string): Promise<FileInfo> {
    try {
      const st = await fsp.stat(this.abs(kind, name));
      return { name, size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      throw mapError(err, `${relPath(kind, name)} in ${this.root}`);
    }
  }

  async list(kind: FileKind): Promise<FileInfo[]> {
    if (kind === 'config') return (await this.exists()) ? [await this.stat('config', '')] : [];
    const dirs =
      kind === 'data' ? layoutDirs().filter((d) => d.startsWith('data/')) : [path.dirname(relPath(kind, 'x'))];
    const out: FileInfo[] = [];
    for (const d of dirs) {
      let names: string[];
      try {
        names = await fsp.readdir(path.join(this.root, d));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw mapError(err, path.join(this.root, d));
      }
      for (const n of names) {
        if (!isValidName(n)) continue;
        try {
          const st = await fsp.stat(path.join(this.root, d, n));
          out.push({ name: n, size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          // removed while listing
        }
      }
    }
    return out;
  }

  async remove(kind: FileKind, name: string): Promise<void> {
    try {
      await fsp.unlink(this.abs(kind, name));
    } catch (err) {
      throw mapError(err, `${relPath(kind, name)} in ${this.root}`);
    }
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
