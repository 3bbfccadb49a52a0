/**
 * Back up from an SFTP server. Directories are listed with one READDIR per batch,
 * whose attributes (size, mode, uid/gid, mtime) are used as they come: no STAT per
 * file. User and group names are read from the listing's long names. Symlink targets
 * take one READLINK each. Files are read with up to 16 requests in flight.
 * SFTP v3 gives mtimes in whole seconds; there are no inode numbers, so change
 * detection uses size and mtime. ssh2 decodes names and link targets as UTF-8, turning
 * bytes that are not UTF-8 into U+FFFD: an entry whose name or target holds U+FFFD is
 * recorded as an error, never backed up under a wrong name or pointing elsewhere.
 * ProFTPD's mod_sftp answers READLINK with an absolute path for a relative link; on that
 * server a target inside the backed-up tree is recorded relative to the link's folder
 * again (an absolute link into the tree is then recorded relative too: the server does
 * not tell them apart). rclone serve sftp shows no symlinks and fixed modes: one warning
 * says so, and the backup records what the server shows.
 */
import path from 'node:path';
import type { Attributes, FileEntry, Stats } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { SshSession, SshTarget } from '../ssh/connect.js';
import { SessionPool } from '../ssh/session-pool.js';
import { sftpError, sftpStatus } from '../ssh/sftp-errors.js';
import { call } from '../ssh/sftp-call.js';
import { warnOnce } from '../ssh/server-warnings.js';
import type { DirListing, EntryMeta, Source, SourceFile } from './source.js';

const REQ = 255 * 1024;
/** Why an entry with U+FFFD in its name or link target is not backed up. */
const NOT_EXACT = 'holds bytes that are not UTF-8 (or U+FFFD), which cannot be read exactly over SFTP; back it up from local disk';
const AHEAD = 16;
const S_IFMT = 0o170000;


/** Owner and group names from an `ls -l` style long name, when present. */
function namesFromLongname(longname: string): { user?: string; group?: string } {
  const f = longname.trim().split(/\s+/);
  return f.length >= 4 ? { ...(f[2] && !/^\d+$/.test(f[2]) ? { user: f[2] } : {}), ...(f[3] && !/^\d+$/.test(f[3]) ? { group: f[3] } : {}) } : {};
}

function metaFrom(name: string, a: Attributes, longname: string | undefined): EntryMeta {
  const kind = a.mode & S_IFMT;
  const base = {
    name,
    mode: a.mode & 0o7777,
    mtime: (BigInt(a.mtime) * 1_000_000_000n).toString(),
    uid: a.uid,
    gid: a.gid,
    ...(longname ? namesFromLongname(longname) : {}),
  };
  if (kind === 0o100000) return { ...base, type: 'file', size: a.size };
  if (kind === 0o040000) return { ...base, type: 'dir' };
  if (kind === 0o120000) return { ...base, type: 'symlink', target: '' };
  const other = kind === 0o010000 ? 'fifo' : kind === 0o140000 ? 'socket' : kind === 0o020000 ? 'char-device' : 'block-device';
  return { ...base, type: 'other', kind: other };
}

/** Times one file read may restart on a new connection after a transport failure. */
const READ_RESTARTS = 8;

/** A tree on an SFTP server. Every request is retried on a new connection after a transport failure. */
export class SftpSource implements Source {
  readonly type = 'sftp';
  private readonly pool: SessionPool;

  constructor(
    target: SshTarget,
    private readonly root: string,
    readonly location: string,
    connections = 1,
  ) {
    this.pool = new SessionPool(target, connections);
  }

  private abs(rel: string): string {
    const r = this.root.replace(/\/+$/, '');
    return rel === '' ? r || '/' : `${r}/${rel}`;
  }

  /** `target` as recorded: on a server that makes relative targets absolute (ProFTPD), relative again when inside the tree. */
  private linkTarget(software: string, linkDir: string, target: string): string {
    if (!software.startsWith('mod_sftp') || !target.startsWith('/')) return target;
    const root = this.abs('');
    const inside = target === root || target.startsWith(root === '/' ? '/' : `${root}/`);
    return inside ? path.posix.relative(linkDir, target) || '.' : target;
  }

  stat(): Promise<EntryMeta> {
    const p = this.abs('');
    return this.pool.run(`source ${this.location}`, async ({ sftp, software }) => {
      if (software.startsWith('rclone')) {
        warnOnce(
          `rclone source ${this.location}`,
          `${this.location}: the SFTP server (rclone serve sftp) shows no symlinks and fixed modes; the backup records the files and modes it shows`,
        );
      }
      try {
        const a = await call<Stats>((cb) => sftp.lstat(p, cb));
        const m = metaFrom(this.root.split('/').filter(Boolean).pop() ?? '/', a, undefined);
        if (m.type === 'symlink') return { ...m, target: await call<string>((cb) => sftp.readlink(p, cb)) };
        return m;
      } catch (err) {
        throw sftpError(err, `source ${this.location}`, 'read');
      }
    });
  }

  readDir(rel: string): Promise<DirListing> {
    const dir = this.abs(rel);
    return this.pool.run(`listing ${dir}`, async ({ sftp, software }) => {
      let entries: FileEntry[];
      try {
        entries = await call<FileEntry[]>((cb) => sftp.readdir(dir, cb));
      } catch (err) {
        throw sftpError(err, `listing ${dir}`, 'read');
      }
      const listing: DirListing = { entries: [], errors: [] };
      const links: Promise<void>[] = [];
      for (const e of entries) {
        if (e.filename === '.' || e.filename === '..') continue;
        if (e.filename.includes('\uFFFD')) {
          listing.errors.push({ name: e.filename, message: `its name ${NOT_EXACT}` });
          continue;
        }
        const m = metaFrom(e.filename, e.attrs, e.longname);
        if (m.type === 'symlink') {
          const p = `${dir}/${e.filename}`.replace(/^\/\//, '/');
          links.push(
            call<string>((cb) => sftp.readlink(p, cb)).then(
              (target) => {
                if (target.includes('\uFFFD')) listing.errors.push({ name: e.filename, message: `its link target ${NOT_EXACT}` });
                else listing.entries.push({ ...m, target: this.linkTarget(software, dir, target) });
              },
              (err: unknown) => {
                const ce = sftpError(err, p, 'read');
                if (ce.code === ErrorCode.Retryable) throw ce; // the connection failed: list again
                listing.errors.push({ name: e.filename, message: ce.message });
              },
            ),
          );
        } else listing.entries.push(m);
      }
      await Promise.all(links);
      return listing;
    });
  }

  /**
   * Reads a file with up to AHEAD requests in flight. With `size` (from the listing) it asks
   * only for what the file holds, plus the check for its end: a small file costs one or two
   * requests, not AHEAD. A file that grew since the listing is read up to its listed size
   * (rounded up to a request), as the snapshot's listing records it.
   */
  async open(rel: string, size?: number): Promise<SourceFile> {
    const p = this.abs(rel);
    const openOn = (): Promise<{ session: SshSession; handle: Buffer }> =>
      this.pool.run(p, async (session) => {
        try {
          return { session, handle: await call<Buffer>((cb) => session.sftp.open(p, 'r', cb)) };
        } catch (err) {
          throw sftpError(err, p, 'read');
        }
      });
    let cur = await openOn();
    const readAt = (pos: number, len: number): Promise<Buffer> => {
      const { sftp } = cur.session;
      const handle = cur.handle;
      const buf = Buffer.allocUnsafe(len);
      return call<number>((cb) =>
        sftp.read(handle, buf, 0, len, pos, (err, n) => (err && sftpStatus(err) === 1 ? cb(undefined, 0) : cb(err, n))),
      ).then(
        (n) => buf.subarray(0, n),
        (err: unknown) => {
          throw sftpError(err, p, 'read');
        },
      );
    };
    // Read-ahead: up to AHEAD requests of REQ bytes in flight, consumed in order.
    let nextPos = 0;
    let delivered = 0;
    let eof = false;
    let restarts = 0;
    let queue: { pos: number; req: Promise<Buffer> }[] = [];
    let pending: Buffer = Buffer.alloc(0);
    const fill = (): void => {
      while (!eof && queue.length < AHEAD && (size === undefined || nextPos <= size)) {
        const req = readAt(nextPos, REQ);
        req.catch(() => undefined);
        queue.push({ pos: nextPos, req });
        nextPos += REQ;
      }
    };
    /** The next block in order, or an empty buffer at the end of the file. */
    const nextBlock = async (): Promise<Buffer> => {
      fill();
      const next = queue.shift();
      if (!next) return Buffer.alloc(0);
      let got = await next.req;
      // A short read before the end: fetch the rest of this block before going on.
      for (let guard = 0; got.length > 0 && got.length < REQ && guard < 64; guard++) {
        const more = await readAt(next.pos + got.length, REQ - got.length);
        if (more.length === 0) break;
        got = Buffer.concat([got, more]);
      }
      return got;
    };
    /** After a transport failure: reopen on a new connection and read on from what was delivered. */
    const restart = async (err: CofferError): Promise<void> => {
      if (++restarts > READ_RESTARTS) throw err;
      this.pool.drop(cur.session);
      queue = [];
      pending = Buffer.alloc(0);
      cur = await openOn();
      nextPos = delivered;
    };
    return {
      async read(out: Buffer, offset: number, length: number): Promise<number> {
        let done = 0;
        while (done < length) {
          if (pending.length === 0) {
            if (eof) break;
            try {
              pending = await nextBlock();
            } catch (err) {
              const ce = CofferError.from(err);
              if (ce.code !== ErrorCode.Retryable) throw ce;
              await restart(ce);
              continue;
            }
            if (pending.length === 0) {
              eof = true;
              queue = [];
              break;
            }
          }
          const n = Math.min(length - done, pending.length);
          pending.copy(out, offset + done, 0, n);
          pending = pending.subarray(n);
          done += n;
          delivered += n;
        }
        return done;
      },
      async close(): Promise<void> {
        const { session, handle } = cur;
        await call<undefined>((cb) => session.sftp.close(handle, (e) => cb(e, undefined))).catch(() => undefined);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
