/**
 * Store on an SFTP server (ssh2). Writes go to `tmp/` under a random name with many
 * write requests in flight, are fsync'ed when the server offers fsync@openssh.com,
 * then renamed into place with posix-rename@openssh.com (the config with
 * hardlink@openssh.com or a plain rename, both of which refuse to replace a file).
 * Reads pipeline many requests. Same guarantees as every backend (backend.ts).
 * What a server acknowledges is not taken on trust where it matters: after the config
 * is linked into place, it must be there (rclone answers OK to hardlink@openssh.com
 * without making the link; then a plain rename is used, after checking that no config
 * exists). A server that refuses out-of-order writes (rclone without
 * --vfs-cache-mode writes) gets one request at a time from then on, with one warning; a
 * server without fsync@openssh.com gets one warning.
 */
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper, Stats, FileEntry } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { SshTarget } from '../ssh/connect.js';
import { SessionPool } from '../ssh/session-pool.js';
import { SEEK_REFUSED, sftpError } from '../ssh/sftp-errors.js';
import { warnNoFsync, warnOnce } from '../ssh/server-warnings.js';
import { call } from '../ssh/sftp-call.js';
import { sessionsInterrupted } from '../ssh/interrupt.js';
import { type FileInfo, type FileKind, isValidName, layoutDirs, partsOf, type Range, relPath, type StorageBackend } from './backend.js';

const REQ = 255 * 1024;
const IN_FLIGHT = 32;


/** A store in a folder of an SFTP server. */
export class SftpBackend implements StorageBackend {
  readonly location: string;
  private readonly pool: SessionPool;
  /** Set once the server refused writes in flight out of order: one request at a time. */
  private sequential = false;
  /** Set once one rename into place was seen to have happened. */
  private renameChecked = false;

  constructor(
    target: SshTarget,
    private readonly root: string,
    display: string,
    connections = 1,
  ) {
    this.location = display;
    this.pool = new SessionPool(target, connections, { attempts: 1 });
  }

  /** Drops the connections (after a failure); the next call reconnects. */
  /** Whether a connection to the server was ever set up (see SessionPool.everConnected). */
  get everConnected(): boolean {
    return this.pool.everConnected;
  }

  reset(): void {
    this.pool.reset();
  }

  private async sftp(): Promise<{ sftp: SFTPWrapper; ext: ReadonlySet<string> }> {
    const s = await this.pool.get();
    return { sftp: s.sftp, ext: s.extensions };
  }

  private abs(rel: string): string {
    return `${this.root.replace(/\/+$/, '')}/${rel}`;
  }

  async exists(): Promise<boolean> {
    const { sftp } = await this.sftp();
    try {
      await call<Stats>((cb) => sftp.stat(this.abs('config'), cb));
      return true;
    } catch {
      await this.notAFile(sftp);
      return false;
    }
  }

  /** StoreNotFound (exit 10) when the store's path, or a folder on the way to it, is a file on the server. */
  private async notAFile(sftp: SFTPWrapper): Promise<void> {
    let dir = this.root.replace(/\/+$/, '') || '/';
    for (let i = 0; i < 64; i++) {
      const st = await call<Stats>((cb) => sftp.stat(dir, cb)).catch(() => undefined);
      if (st && !st.isDirectory()) {
        const what = dir === this.root ? `${this.location} is a file` : `${dir} (on the way to ${this.location}) is a file`;
        throw new CofferError(ErrorCode.StoreNotFound, `${what}, not a store folder: give the folder of a store, or a new folder to create one in`);
      }
      if (st || dir === '/' || dir === '.' || !dir.includes('/')) return;
      dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
    }
  }

  private async mkdirs(sftp: SFTPWrapper, p: string): Promise<void> {
    const parts = p.split('/').filter(Boolean);
    let cur = p.startsWith('/') ? '' : '.';
    for (const part of parts) {
      cur = `${cur}/${part}`;
      try {
        await call<undefined>((cb) => sftp.mkdir(cur, { mode: 0o700 }, (e) => cb(e, undefined)));
      } catch (err) {
        const st = await call<Stats>((cb) => sftp.stat(cur, cb)).catch(() => undefined);
        if (!st?.isDirectory()) throw sftpError(err, `creating ${cur}`, 'write');
      }
    }
  }

  async init(): Promise<void> {
    const { sftp } = await this.sftp();
    let names: FileEntry[] = [];
    await this.notAFile(sftp);
    try {
      names = await call<FileEntry[]>((cb) => sftp.readdir(this.root, cb));
    } catch (err) {
      if ((err as { code?: number }).code !== 2) throw sftpError(err, this.location, 'read');
    }
    if (names.some((n) => n.filename === 'config')) {
      throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${this.location}; use it, or choose an empty folder`);
    }
    if (names.some((n) => n.filename !== '.' && n.filename !== '..')) {
      throw new CofferError(ErrorCode.StoreExists, `${this.location} is not empty; choose an empty or new folder for the store`);
    }
    await this.mkdirs(sftp, this.root);
    const dirs = layoutDirs();
    for (let i = 0; i < dirs.length; i += IN_FLIGHT) {
      await Promise.all(
        dirs.slice(i, i + IN_FLIGHT).map((d) => call<undefined>((cb) => sftp.mkdir(this.abs(d), { mode: 0o700 }, (e) => cb(e, undefined))).catch((e: unknown) => {
          throw sftpError(e, `creating ${this.abs(d)}`, 'write');
        })),
      );
    }
  }

  private async writeAll(sftp: SFTPWrapper, handle: Buffer, parts: readonly Uint8Array[]): Promise<void> {
    const reqs: { buf: Uint8Array; pos: number }[] = [];
    let pos = 0;
    for (const p of parts) {
      for (let o = 0; o < p.length; o += REQ) {
        const piece = p.subarray(o, Math.min(p.length, o + REQ));
        reqs.push({ buf: piece, pos });
        pos += piece.length;
      }
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < reqs.length) {
        const r = reqs[next++] as { buf: Uint8Array; pos: number };
        const b = Buffer.from(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength);
        await call<undefined>((cb) => sftp.write(handle, b, 0, b.length, r.pos, (e) => cb(e, undefined)));
      }
    };
    // Every worker settles before this returns, so no write is left in flight on a failure.
    const results = await Promise.allSettled(Array.from({ length: Math.min(this.sequential ? 1 : IN_FLIGHT, reqs.length) }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const { sftp, ext } = await this.sftp();
    const final = this.abs(relPath(kind, name));
    if (kind !== 'config') {
      try {
        await call<Stats>((cb) => sftp.stat(final, cb));
        return;
      } catch {
        // not there yet
      }
    }
    if (!ext.has('fsync@openssh.com')) warnNoFsync(this.location);
    // Saves in flight together each meet the refusal: each one written in parallel tries again one request at a time.
    const wasSequential = this.sequential;
    try {
      await this.saveOnce(sftp, ext, kind, final, partsOf(data));
    } catch (err) {
      if (wasSequential || !(err instanceof Error) || !SEEK_REFUSED.test(err.message)) throw await this.saveError(err, kind, name);
      this.sequential = true;
      warnOnce(
        `seek ${this.location}`,
        `${this.location}: the SFTP server refuses writes that arrive out of order (${err.message}); writing one request at a time (slower). On rclone serve sftp, add --vfs-cache-mode writes`,
      );
      try {
        await this.saveOnce(sftp, ext, kind, final, partsOf(data));
      } catch (e) {
        throw await this.saveError(e, kind, name);
      }
    }
  }

  private async saveError(err: unknown, kind: FileKind, name: string): Promise<CofferError> {
    if (err instanceof CofferError) return err;
    if (kind === 'config' && (await this.exists())) return new CofferError(ErrorCode.StoreExists, `a store already exists at ${this.location}`);
    return sftpError(err, `writing ${relPath(kind, name)} in ${this.location}`, 'write');
  }

  /** Writes `parts` to a temporary file and moves it to `final`; removes the temporary file on failure. */
  private async saveOnce(sftp: SFTPWrapper, ext: ReadonlySet<string>, kind: FileKind, final: string, parts: readonly Uint8Array[]): Promise<void> {
    await this.writeThenPlace(sftp, ext, parts, async (tmp) => {
      if (kind === 'config') {
        await this.placeConfig(sftp, ext, tmp, final);
        return;
      }
      // keys/ is newer than the layout: stores made before it lack the folder. A key file
      // never replaces another (plain SFTP rename refuses an existing name).
      if (kind === 'key') await this.mkdirs(sftp, this.abs('keys'));
      const how = kind !== 'key' && ext.has('posix-rename@openssh.com') ? 'posix-rename@openssh.com' : 'rename';
      if (how === 'rename') await call<undefined>((cb) => sftp.rename(tmp, final, (e) => cb(e, undefined)));
      else await call<undefined>((cb) => sftp.ext_openssh_rename(tmp, final, (e) => cb(e, undefined)));
      // The first rename is checked: a server that acknowledges renames it does not do cannot hold a store.
      if (!this.renameChecked) {
        await call<Stats>((cb) => sftp.stat(final, cb)).catch(() => {
          throw new CofferError(ErrorCode.Internal, `${this.location}: the SFTP server acknowledged ${how} of a new file, but the file is not there; this server cannot hold a store`);
        });
        this.renameChecked = true;
      }
    });
  }

  /**
   * Writes `parts` to a new temporary file (synced where the server can), closes it and
   * hands its path to `place`, which moves it into place; on any failure the temporary
   * file is closed and removed and the error rethrown.
   */
  private async writeThenPlace(sftp: SFTPWrapper, ext: ReadonlySet<string>, parts: readonly Uint8Array[], place: (tmp: string) => Promise<void>): Promise<void> {
    const tmp = this.abs(`tmp/${randomBytes(12).toString('hex')}.tmp`);
    let handle: Buffer | undefined;
    try {
      handle = await call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
      await this.writeAll(sftp, handle, parts);
      if (ext.has('fsync@openssh.com')) {
        const h = handle;
        await call<undefined>((cb) => sftp.ext_openssh_fsync(h, (e) => cb(e, undefined)));
      }
      const h = handle;
      handle = undefined;
      await call<undefined>((cb) => sftp.close(h, (e) => cb(e, undefined)));
      await place(tmp);
    } catch (err) {
      if (handle) {
        const h = handle;
        await call<undefined>((cb) => sftp.close(h, (e) => cb(e, undefined))).catch(() => undefined);
      }
      await call<undefined>((cb) => sftp.unlink(tmp, (e) => cb(e, undefined))).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Moves the config into place without replacing one: hardlink@openssh.com (which
   * refuses an existing name), checked afterwards; when the link is not there although
   * the server said OK, a plain rename after checking that no config exists. The config
   * must exist at the end, or this refuses with one line naming the server's fault.
   */
  private async placeConfig(sftp: SFTPWrapper, ext: ReadonlySet<string>, tmp: string, final: string): Promise<void> {
    const present = (): Promise<boolean> => call<Stats>((cb) => sftp.stat(final, cb)).then(() => true, () => false);
    // A server that acknowledges a link it did not make would also "succeed" over an existing config.
    if (await present()) throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${this.location}`);
    if (ext.has('hardlink@openssh.com')) {
      await call<undefined>((cb) => sftp.ext_openssh_hardlink(tmp, final, (e) => cb(e, undefined)));
      if (await present()) {
        await call<undefined>((cb) => sftp.unlink(tmp, (e) => cb(e, undefined)));
        return;
      }
    }
    await call<undefined>((cb) => sftp.rename(tmp, final, (e) => cb(e, undefined)));
    if (!(await present())) {
      throw new CofferError(
        ErrorCode.Internal,
        `${this.location}: the SFTP server acknowledged moving the config into place, but it is not there (no working hardlink@openssh.com or rename); this server cannot hold a store`,
      );
    }
  }

  async replaceConfig(data: Uint8Array): Promise<void> {
    const { sftp, ext } = await this.sftp();
    if (!ext.has('posix-rename@openssh.com')) {
      throw new CofferError(ErrorCode.Config, `the SFTP server of ${this.location} cannot replace a file in one step (no posix-rename@openssh.com): change the passphrase on a server that can (OpenSSH)`);
    }
    const final = this.abs('config');
    try {
      await call<Stats>((cb) => sftp.stat(final, cb));
      await this.writeThenPlace(sftp, ext, [data], (tmp) => call<undefined>((cb) => sftp.ext_openssh_rename(tmp, final, (e) => cb(e, undefined))));
    } catch (err) {
      throw sftpError(err, `replacing the config of ${this.location}`, 'write');
    }
  }

  async load(kind: FileKind, name: string, range?: Range): Promise<Buffer> {
    const { sftp } = await this.sftp();
    const p = this.abs(relPath(kind, name));
    let handle: Buffer;
    try {
      handle = await call<Buffer>((cb) => sftp.open(p, 'r', cb));
    } catch (err) {
      if (kind === 'config') await this.notAFile(sftp);
      throw sftpError(err, `${relPath(kind, name)} in ${this.location}`, 'read');
    }
    try {
      let offset = range?.offset ?? 0;
      let length = range?.length;
      if (length === undefined) {
        const st = await call<Stats>((cb) => sftp.fstat(handle, cb));
        length = st.size;
        offset = 0;
      }
      const buf = Buffer.allocUnsafe(length);
      const reqs: number[] = [];
      for (let o = 0; o < length; o += REQ) reqs.push(o);
      let short = false;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < reqs.length) {
          const o = reqs[next++] as number;
          const want = Math.min(REQ, length - o);
          let got = 0;
          while (got < want) {
            const n = await call<number>((cb) => sftp.read(handle, buf, o + got, want - got, offset + o + got, (e, bytes) => cb(e, bytes)));
            if (n === 0) {
              short = true;
              return;
            }
            got += n;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, reqs.length) }, worker)).catch((err: unknown) => {
        if ((err as { code?: number }).code === 1) short = true; // EOF
        else throw err;
      });
      if (short) {
        throw new CofferError(ErrorCode.Corrupt, `${relPath(kind, name)} in ${this.location} is truncated (wanted ${length} bytes at ${offset})`);
      }
      return buf;
    } catch (err) {
      if (err instanceof CofferError) throw err;
      throw sftpError(err, `${relPath(kind, name)} in ${this.location}`, 'read');
    } finally {
      await call<undefined>((cb) => sftp.close(handle, (e) => cb(e, undefined))).catch(() => undefined);
    }
  }

  async stat(kind: FileKind, name: string): Promise<FileInfo> {
    const { sftp } = await this.sftp();
    try {
      const st = await call<Stats>((cb) => sftp.stat(this.abs(relPath(kind, name)), cb));
      return { name, size: st.size, mtimeMs: st.mtime * 1000 };
    } catch (err) {
      throw sftpError(err, `${relPath(kind, name)} in ${this.location}`, 'read');
    }
  }

  async list(kind: FileKind): Promise<FileInfo[]> {
    if (kind === 'config') return (await this.exists()) ? [await this.stat('config', '')] : [];
    const { sftp } = await this.sftp();
    const dirs = kind === 'data' ? layoutDirs().filter((d) => d.startsWith('data/')) : [relPath(kind, 'x').split('/').slice(0, -1).join('/')];
    const out: FileInfo[] = [];
    for (let i = 0; i < dirs.length; i += IN_FLIGHT) {
      const lists = await Promise.all(
        dirs.slice(i, i + IN_FLIGHT).map((d) =>
          call<FileEntry[]>((cb) => sftp.readdir(this.abs(d), cb)).catch((err: unknown) => {
            if ((err as { code?: number }).code === 2) return [] as FileEntry[];
            throw sftpError(err, `listing ${this.abs(d)}`, 'read');
          }),
        ),
      );
      for (const l of lists) {
        for (const e of l) if (isValidName(e.filename)) out.push({ name: e.filename, size: e.attrs.size, mtimeMs: e.attrs.mtime * 1000 });
      }
    }
    return out;
  }

  async remove(kind: FileKind, name: string): Promise<void> {
    // After an interrupt, a process still removes its own lock, on a connection of its own.
    const own = kind === 'lock' && sessionsInterrupted() ? await this.pool.cleanupSession() : undefined;
    const sftp = own?.sftp ?? (await this.sftp()).sftp;
    try {
      await call<undefined>((cb) => sftp.unlink(this.abs(relPath(kind, name)), (e) => cb(e, undefined)));
    } catch (err) {
      throw sftpError(err, `${relPath(kind, name)} in ${this.location}`, 'write');
    } finally {
      own?.client.end();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
