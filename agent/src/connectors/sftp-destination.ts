/**
 * Restore to an SFTP server. Each file is written to `.<name>.coffer-<n>` beside its
 * final name with many writes in flight, then renamed into place
 * (posix-rename@openssh.com) and given its mode, times and, when the server allows it,
 * owner (SETSTAT). Every folder on the way is checked with LSTAT once, so a symlink
 * on the server cannot redirect the restore outside its target. Symlinks get no
 * SETSTAT (it would follow them). ssh2 sends names and link targets as UTF-8, so a
 * name or target holding bytes that are not UTF-8 is refused, never written altered.
 * Servers differ (docs/sftp-servers.md): SYMLINK's argument order is probed once per
 * connection (ssh/symlink-order.ts); on ProFTPD, whose rename follows symlinks, a link
 * is made in place; every link is checked with LSTAT after it is made; a server that
 * makes no symlinks gets one warning and each link fails as Config (the restore lists
 * it as skipped); the first SETSTATs are checked and a server that keeps no modes gets
 * one warning; rclone gets one write request in flight at a time.
 */
import { randomBytes } from 'node:crypto';
import type { Attributes, SFTPWrapper, Stats } from 'ssh2';
import { CofferError, ErrorCode, isCode } from '@coffer/shared/errors.js';
import { displayName, hasRawBytes } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';
import type { SshSession, SshTarget } from '../ssh/connect.js';
import { SessionPool } from '../ssh/session-pool.js';
import { SEEK_REFUSED, sftpError, sftpStatus } from '../ssh/sftp-errors.js';
import { call, done } from '../ssh/sftp-call.js';
import { makeLink, symlinkOrder } from '../ssh/symlink-order.js';
import { warnOnce } from '../ssh/server-warnings.js';
import type { Destination, DestinationFile, ExistingEntry } from './destination.js';

const REQ = 255 * 1024;
const IN_FLIGHT = 16;

function seconds(ns: string): number {
  return Number(BigInt(ns) / 1_000_000_000n);
}

/** How many SETSTATs are checked for a server that does not keep modes (a file may ask for the mode the server shows anyway). */
const MODE_CHECKS = 16;

/** Times one file's writes may move to a new connection after a transport failure. */
const WRITE_RESTARTS = 8;

/** Runs one request, mapping its failure. */
function req<T>(what: string, fn: (cb: (err: Error | null | undefined, v: T) => void) => void): Promise<T> {
  return call(fn).catch((err: unknown) => {
    throw sftpError(err, what, 'write');
  });
}

/** Runs one request that yields nothing, mapping its failure. */
function reqDone(what: string, fn: (cb: (err: Error | null | undefined) => void) => void): Promise<void> {
  return done(fn).catch((err: unknown) => {
    throw sftpError(err, what, 'write');
  });
}

/** The error for a name or link target `s` holding bytes that are not UTF-8: ssh2 would send U+FFFD in their place. */
function rawError(what: string, s: string): CofferError {
  return new CofferError(ErrorCode.Usage, `cannot restore over SFTP ${what} ${displayName(s)}: it holds bytes that are not UTF-8; restore it to local disk`);
}

/**
 * A folder on an SFTP server to restore into. Every operation is retried on a new
 * connection after a transport failure; a file's writes move to a new connection by
 * reopening its temporary file (the writes the server acknowledged are in it).
 */
export class SftpDestination implements Destination {
  private readonly pool: SessionPool;
  private readonly safeDirs = new Set<string>();
  private readonly tmpTag = randomBytes(3).toString('hex');
  private counter = 0;
  /** SFTP v3 sets times in whole seconds. */
  readonly timePrecisionNs = 1_000_000_000;
  /** SETSTATs still to check (does the server keep modes?): the first MODE_CHECKS, until one shows it does not. */
  private modeChecks = MODE_CHECKS;

  constructor(
    target: SshTarget,
    private readonly root: string,
    readonly location: string,
    connections = 1,
  ) {
    this.pool = new SessionPool(target, connections);
  }

  private base(): string {
    return this.root.replace(/\/+$/, '') || '/';
  }

  /** Absolute path of `rel` after checking every parent on the way is a real folder. */
  private async abs(sftp: SFTPWrapper, rel: string): Promise<string> {
    if (hasRawBytes(rel)) throw rawError('the path', rel);
    const parts = rel.split('/');
    if (parts.some((x) => x === '..' || x === '.' || x === '')) {
      throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': it would land outside ${this.location}`);
    }
    let cur = this.base();
    for (const part of parts.slice(0, -1)) {
      cur = `${cur === '/' ? '' : cur}/${part}`;
      if (this.safeDirs.has(cur)) continue;
      const st = await this.lstat(sftp, cur);
      if (st && !st.isDirectory()) {
        throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': ${cur} is not a directory on the server (a symlink or file is in the way)`);
      }
      if (st) this.safeDirs.add(cur);
    }
    return `${this.base() === '/' ? '' : this.base()}/${rel}`;
  }

  /** LSTAT; undefined when nothing is there. Transport failures are thrown (so the operation is retried). */
  private async lstat(sftp: SFTPWrapper, p: string): Promise<Stats | undefined> {
    try {
      return await call<Stats>((cb) => sftp.lstat(p, cb));
    } catch (err) {
      const e = sftpError(err, p, 'read');
      if (e.code === ErrorCode.Retryable) throw e;
      return undefined;
    }
  }

  prepare(): Promise<boolean> {
    const root = this.base();
    let existed: boolean | undefined;
    return this.pool.run(`creating ${this.location}`, async ({ sftp }) => {
      existed ??= (await this.lstat(sftp, root)) !== undefined;
      let cur = '';
      let refused: CofferError | undefined;
      for (const part of root.split('/').filter(Boolean)) {
        cur = `${cur}/${part}`;
        await done((cb) => sftp.mkdir(cur, { mode: 0o700 }, cb)).catch((err: unknown) => {
          const e = sftpError(err, `creating ${cur}`, 'write');
          if (e.code === ErrorCode.Retryable) throw e;
          if (!refused && sftpStatus(err) !== 4) refused = e; // 4 FAILURE: OpenSSH's answer for a folder that exists
        });
      }
      const st = await req<Stats>(`creating ${this.location}`, (cb) => sftp.stat(root, cb)).catch((err: unknown) => {
        throw refused && isCode(err, ErrorCode.NotFound) ? refused : err;
      });
      if (!st.isDirectory()) throw new CofferError(ErrorCode.Usage, `${this.location} is not a directory`);
      this.safeDirs.add(root);
      await this.probeWrites(sftp, root);
      return !existed;
    });
  }

  /**
   * Refuses at once, before anything is restored, a server that refuses writes out of
   * order (rclone serve sftp without --vfs-cache-mode writes): a restore writes a file's
   * chunks in the order of the packs that hold them. Probed with one byte at offset 1 of
   * an empty file of its own, removed afterwards; any other failure is left to the
   * real writes to report.
   */
  private async probeWrites(sftp: SFTPWrapper, root: string): Promise<void> {
    const probe = `${root === '/' ? '' : root}/.coffer-probe-${this.tmpTag}`;
    const handle = await call<Buffer>((cb) => sftp.open(probe, 'wx', { mode: 0o600 }, cb)).catch(() => undefined);
    if (!handle) return;
    let refusal: CofferError | undefined;
    try {
      await done((cb) => sftp.write(handle, Buffer.from('x'), 0, 1, 1, cb));
    } catch (err) {
      const e = sftpError(err, `writing in ${this.location}`, 'write');
      if (e.code === ErrorCode.Retryable) throw e;
      if (SEEK_REFUSED.test(e.message)) refusal = e;
    } finally {
      await done((cb) => sftp.close(handle, cb)).catch(() => undefined);
      await done((cb) => sftp.unlink(probe, cb)).catch(() => undefined);
    }
    if (refusal) throw refusal;
  }

  lookup(rel: string): Promise<ExistingEntry | undefined> {
    return this.pool.run(`examining ${rel}`, async ({ sftp }) => {
      const st = await this.lstat(sftp, await this.abs(sftp, rel));
      if (!st) return undefined;
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: st.size, mtime: (BigInt(st.mtime) * 1_000_000_000n).toString() };
    });
  }

  makeDir(rel: string): Promise<boolean> {
    return this.pool.run(`creating ${rel}`, async ({ sftp }) => {
      const p = await this.abs(sftp, rel);
      try {
        await done((cb) => sftp.mkdir(p, { mode: 0o700 }, cb));
        this.safeDirs.add(p);
        return true;
      } catch (err) {
        const e = sftpError(err, `creating ${p}`, 'write');
        if (e.code === ErrorCode.Retryable) throw e;
        const st = await this.lstat(sftp, p);
        if (!st) throw e;
        if (!st.isDirectory()) throw new CofferError(ErrorCode.Corrupt, `cannot restore directory ${p}: something else is there`);
        this.safeDirs.add(p);
        return false;
      }
    });
  }

  private tmpFor(p: string): string {
    const slash = p.lastIndexOf('/');
    return `${p.slice(0, slash + 1)}.${p.slice(slash + 1, slash + 201)}.coffer-${this.tmpTag}-${(this.counter++).toString(36)}`;
  }

  async createFile(rel: string): Promise<DestinationFile> {
    let final = '';
    let tmp = '';
    const opened = await this.pool.run(`creating ${rel}`, async (session) => {
      final = await this.abs(session.sftp, rel);
      tmp = this.tmpFor(final);
      return { session, handle: await req<Buffer>(`creating ${final}`, (cb) => session.sftp.open(tmp, 'wx', { mode: 0o600 }, cb)) };
    });
    let cur: { session: SshSession; handle: Buffer } | undefined = opened;
    let restarts = 0;
    /** After a transport failure: the same temporary file, reopened (without truncation) on a new connection. */
    const reopen = async (err: CofferError): Promise<{ session: SshSession; handle: Buffer }> => {
      if (++restarts > WRITE_RESTARTS) throw err;
      if (cur) this.pool.drop(cur.session);
      cur = undefined;
      const again = await this.pool.run(`reopening ${final}`, async (session) => ({
        session,
        handle: await req<Buffer>(`reopening ${final}`, (cb) => session.sftp.open(tmp, 'r+', cb)),
      }));
      cur = again;
      return again;
    };
    const writeAll = async (target: { session: SshSession; handle: Buffer }, buf: Buffer, position: number): Promise<void> => {
      const { sftp, software } = target.session;
      // rclone serve sftp without --vfs-cache-mode writes refuses writes that arrive out of order; one at a time they do not.
      const inFlight = software.startsWith('rclone') ? 1 : IN_FLIGHT;
      const offs: number[] = [];
      for (let o = 0; o < buf.length; o += REQ) offs.push(o);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < offs.length) {
          const o = offs[next++] as number;
          const n = Math.min(REQ, buf.length - o);
          await reqDone(`writing ${final}`, (cb) => sftp.write(target.handle, buf, o, n, position + o, cb));
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(inFlight, offs.length) }, worker));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    };
    /** Closes the handle; a handle on a dead connection is gone with it. */
    const closeHandle = async (): Promise<void> => {
      const c = cur;
      cur = undefined;
      if (c) await done((cb) => c.session.sftp.close(c.handle, cb)).catch(() => undefined);
    };
    return {
      write: async (data: Uint8Array, position: number): Promise<void> => {
        const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        for (;;) {
          const target = cur ?? (await reopen(new CofferError(ErrorCode.Retryable, `writing ${final}: the connection was lost`)));
          try {
            await writeAll(target, buf, position);
            return;
          } catch (err) {
            const e = CofferError.from(err);
            if (e.code !== ErrorCode.Retryable) throw e;
            await reopen(e);
          }
        }
      },
      commit: async (node: TreeNode): Promise<void> => {
        await closeHandle();
        await this.pool.run(`finishing ${final}`, async ({ sftp, extensions }, attempt) => {
          try {
            if (extensions.has('posix-rename@openssh.com')) await done((cb) => sftp.ext_openssh_rename(tmp, final, cb));
            else {
              await done((cb) => sftp.unlink(final, cb)).catch(() => undefined);
              await done((cb) => sftp.rename(tmp, final, cb));
            }
          } catch (err) {
            const e = sftpError(err, `finishing ${final}`, 'write');
            // A repeat that finds the temporary file gone: the first attempt renamed it.
            if (attempt > 1 && e.code === ErrorCode.NotFound && (await this.lstat(sftp, final))) return;
            throw e;
          }
          await this.setAttrs(sftp, final, node);
        });
      },
      abort: async (): Promise<void> => {
        await closeHandle();
        await this.pool.run(`removing ${tmp}`, ({ sftp }) => done((cb) => sftp.unlink(tmp, cb))).catch(() => undefined);
      },
    };
  }

  /** SETSTAT of mode and times, then owner (only honoured when the server lets this user chown). */
  private async setAttrs(sftp: SFTPWrapper, p: string, node: TreeNode): Promise<void> {
    const t = seconds(node.mtime);
    const attrs: Attributes = { mode: node.mode, atime: t, mtime: t } as Attributes;
    await reqDone(`setting mode and times of ${p}`, (cb) => sftp.setstat(p, attrs, cb));
    if (this.modeChecks > 0) {
      this.modeChecks--;
      const st = await this.lstat(sftp, p);
      if (st && (st.mode & 0o7777) !== (node.mode & 0o7777)) {
        this.modeChecks = 0;
        warnOnce(
          `modes ${this.location}`,
          `${this.location}: the SFTP server does not keep file modes (asked for ${(node.mode & 0o7777).toString(8).padStart(4, '0')}, it shows ${(st.mode & 0o7777).toString(8).padStart(4, '0')}); the restored files have the server's modes`,
        );
      }
    }
    if (node.uid !== undefined && node.gid !== undefined) {
      await done((cb) => sftp.setstat(p, { uid: node.uid, gid: node.gid }, cb)).catch((err: unknown) => {
        const e = sftpError(err, p, 'write');
        if (e.code === ErrorCode.Retryable) throw e;
      });
    }
  }

  makeSymlink(rel: string, target: string): Promise<void> {
    if (hasRawBytes(target)) return Promise.reject(rawError(`the link target of ${displayName(rel)}`, target));
    return this.pool.run(`creating symlink ${rel}`, async (session) => {
      const { sftp, extensions } = session;
      const p = await this.abs(sftp, rel);
      const order = await symlinkOrder(session, this.base());
      if (order === 'none') {
        warnOnce(`symlinks ${this.location}`, `${this.location}: the SFTP server makes no symlinks; symlinks are not restored there (each is listed as skipped)`);
        throw new CofferError(ErrorCode.Config, `symlink not restored: the SFTP server at ${this.location} makes no symlinks`);
      }
      const tmp = this.tmpFor(p);
      try {
        if (session.software.startsWith('mod_sftp')) {
          // ProFTPD follows a symlink it renames (an absolute link became a copy of its target): made in place.
          await done((cb) => sftp.unlink(p, cb)).catch(() => undefined);
          await makeLink(session, order, target, p);
        } else {
          await makeLink(session, order, target, tmp);
          if (extensions.has('posix-rename@openssh.com')) await done((cb) => sftp.ext_openssh_rename(tmp, p, cb));
          else await done((cb) => sftp.rename(tmp, p, cb));
        }
      } catch (err) {
        await done((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
        throw sftpError(err, `creating symlink ${p}`, 'write');
      }
      // Never count a link the server only said it made.
      if (!(await this.lstat(sftp, p))?.isSymbolicLink()) {
        throw new CofferError(ErrorCode.Internal, `creating symlink ${p}: the SFTP server acknowledged it, but no symlink is there`);
      }
    });
  }

  makeHardlink(rel: string, existingRel: string): Promise<void> {
    return this.pool.run(`creating hardlink ${rel}`, async ({ sftp, extensions }) => {
      const p = await this.abs(sftp, rel);
      const from = await this.abs(sftp, existingRel);
      if (!extensions.has('hardlink@openssh.com')) {
        throw new CofferError(ErrorCode.Config, `cannot restore hardlink ${p}: the server lacks hardlink@openssh.com`);
      }
      await done((cb) => sftp.unlink(p, cb)).catch(() => undefined);
      await reqDone(`creating hardlink ${p}`, (cb) => sftp.ext_openssh_hardlink(from, p, cb));
    });
  }

  setMetadata(rel: string, node: TreeNode): Promise<void> {
    if (node.type === 'symlink') return Promise.resolve(); // SETSTAT would follow the link
    return this.pool.run(`setting metadata of ${rel}`, async ({ sftp }) => {
      const p = rel === '' ? this.base() : await this.abs(sftp, rel);
      await this.setAttrs(sftp, p, node);
    });
  }

  remove(rel: string): Promise<void> {
    return this.pool.run(`removing ${rel}`, async ({ sftp }) => {
      const p = await this.abs(sftp, rel);
      await done((cb) => sftp.unlink(p, cb)).catch(() => done((cb) => sftp.rmdir(p, cb))).catch(() => undefined);
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
