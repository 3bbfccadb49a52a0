/**
 * Restore to an SFTP server. Each file is written to `.<name>.coffer-<n>` beside its
 * final name with many writes in flight, then renamed into place
 * (posix-rename@openssh.com) and given its mode, times and, when the server allows it,
 * owner (SETSTAT). Every folder on the way is checked with LSTAT once, so a symlink
 * on the server cannot redirect the restore outside its target. Symlinks get no
 * SETSTAT (it would follow them).
 */
import { randomBytes } from 'node:crypto';
import type { Attributes, SFTPWrapper, Stats } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { TreeNode } from '../engine/tree.js';
import { connect, type SshSession, type SshTarget } from '../ssh/connect.js';
import { sftpError } from '../ssh/sftp-errors.js';
import { call, done } from '../ssh/sftp-call.js';
import type { Destination, DestinationFile, ExistingEntry } from './destination.js';

const REQ = 255 * 1024;
const IN_FLIGHT = 16;


function seconds(ns: string): number {
  return Number(BigInt(ns) / 1_000_000_000n);
}

/** A folder on an SFTP server to restore into. */
export class SftpDestination implements Destination {
  private session: Promise<SshSession> | undefined;
  private readonly safeDirs = new Set<string>();
  private readonly tmpTag = randomBytes(3).toString('hex');
  private counter = 0;

  constructor(
    private readonly target: SshTarget,
    private readonly root: string,
    readonly location: string,
  ) {}

  private async sftp(): Promise<{ sftp: SFTPWrapper; ext: ReadonlySet<string> }> {
    this.session ??= connect(this.target);
    try {
      const s = await this.session;
      return { sftp: s.sftp, ext: s.extensions };
    } catch (err) {
      this.session = undefined;
      throw err;
    }
  }

  private base(): string {
    return this.root.replace(/\/+$/, '') || '/';
  }

  /** Absolute path of `rel` after checking every parent on the way is a real folder. */
  private async abs(sftp: SFTPWrapper, rel: string): Promise<string> {
    const parts = rel.split('/');
    if (parts.some((x) => x === '..' || x === '.' || x === '')) {
      throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': it would land outside ${this.location}`);
    }
    let cur = this.base();
    for (const part of parts.slice(0, -1)) {
      cur = `${cur === '/' ? '' : cur}/${part}`;
      if (this.safeDirs.has(cur)) continue;
      const st = await call<Stats>((cb) => sftp.lstat(cur, cb)).catch(() => undefined);
      if (st && !st.isDirectory()) {
        throw new CofferError(ErrorCode.Corrupt, `refusing to restore '${rel}': ${cur} is not a directory on the server (a symlink or file is in the way)`);
      }
      if (st) this.safeDirs.add(cur);
    }
    return `${this.base() === '/' ? '' : this.base()}/${rel}`;
  }

  async prepare(): Promise<boolean> {
    const { sftp } = await this.sftp();
    const root = this.base();
    const existed = await call<Stats>((cb) => sftp.stat(root, cb)).then(() => true, () => false);
    let cur = '';
    for (const part of root.split('/').filter(Boolean)) {
      cur = `${cur}/${part}`;
      await done((cb) => sftp.mkdir(cur, { mode: 0o700 }, cb)).catch(() => undefined);
    }
    const st = await call<Stats>((cb) => sftp.stat(root, cb)).catch((err: unknown) => {
      throw sftpError(err, `creating ${this.location}`, 'write');
    });
    if (!st.isDirectory()) throw new CofferError(ErrorCode.Usage, `${this.location} is not a directory`);
    this.safeDirs.add(root);
    return !existed;
  }

  async lookup(rel: string): Promise<ExistingEntry | undefined> {
    const { sftp } = await this.sftp();
    const p = await this.abs(sftp, rel);
    const st = await call<Stats>((cb) => sftp.lstat(p, cb)).catch(() => undefined);
    if (!st) return undefined;
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    return { type, size: st.size, mtime: (BigInt(st.mtime) * 1_000_000_000n).toString() };
  }

  async makeDir(rel: string): Promise<boolean> {
    const { sftp } = await this.sftp();
    const p = await this.abs(sftp, rel);
    try {
      await done((cb) => sftp.mkdir(p, { mode: 0o700 }, cb));
      this.safeDirs.add(p);
      return true;
    } catch (err) {
      const st = await call<Stats>((cb) => sftp.lstat(p, cb)).catch(() => undefined);
      if (!st) throw sftpError(err, `creating ${p}`, 'write');
      if (!st.isDirectory()) throw new CofferError(ErrorCode.Corrupt, `cannot restore directory ${p}: something else is there`);
      this.safeDirs.add(p);
      return false;
    }
  }

  private tmpFor(p: string): string {
    const slash = p.lastIndexOf('/');
    return `${p.slice(0, slash + 1)}.${p.slice(slash + 1, slash + 201)}.coffer-${this.tmpTag}-${(this.counter++).toString(36)}`;
  }

  async createFile(rel: string): Promise<DestinationFile> {
    const { sftp, ext } = await this.sftp();
    const final = await this.abs(sftp, rel);
    const tmp = this.tmpFor(final);
    let handle: Buffer | undefined;
    try {
      handle = await call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
    } catch (err) {
      throw sftpError(err, `creating ${final}`, 'write');
    }
    const h = handle;
    const closeHandle = async (): Promise<void> => {
      if (!handle) return;
      handle = undefined;
      await done((cb) => sftp.close(h, cb));
    };
    return {
      async write(data: Uint8Array, position: number): Promise<void> {
        const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        const offs: number[] = [];
        for (let o = 0; o < buf.length; o += REQ) offs.push(o);
        let next = 0;
        const worker = async (): Promise<void> => {
          while (next < offs.length) {
            const o = offs[next++] as number;
            const n = Math.min(REQ, buf.length - o);
            await done((cb) => sftp.write(h, buf, o, n, position + o, cb)).catch((err: unknown) => {
              throw sftpError(err, `writing ${final}`, 'write');
            });
          }
        };
        await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, offs.length) }, worker));
      },
      commit: async (node: TreeNode): Promise<void> => {
        try {
          await closeHandle();
          if (ext.has('posix-rename@openssh.com')) await done((cb) => sftp.ext_openssh_rename(tmp, final, cb));
          else {
            await done((cb) => sftp.unlink(final, cb)).catch(() => undefined);
            await done((cb) => sftp.rename(tmp, final, cb));
          }
        } catch (err) {
          throw sftpError(err, `finishing ${final}`, 'write');
        }
        await this.setAttrs(sftp, final, node);
      },
      abort: async (): Promise<void> => {
        await closeHandle().catch(() => undefined);
        await done((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      },
    };
  }

  /** SETSTAT of mode and times, then owner (only honoured when the server lets this user chown). */
  private async setAttrs(sftp: SFTPWrapper, p: string, node: TreeNode): Promise<void> {
    const t = seconds(node.mtime);
    const attrs: Attributes = { mode: node.mode, atime: t, mtime: t } as Attributes;
    await done((cb) => sftp.setstat(p, attrs, cb)).catch((err: unknown) => {
      throw sftpError(err, `setting mode and times of ${p}`, 'write');
    });
    if (node.uid !== undefined && node.gid !== undefined) {
      await done((cb) => sftp.setstat(p, { uid: node.uid, gid: node.gid }, cb)).catch(() => undefined);
    }
  }

  async makeSymlink(rel: string, target: string): Promise<void> {
    const { sftp, ext } = await this.sftp();
    const p = await this.abs(sftp, rel);
    const tmp = this.tmpFor(p);
    try {
      await done((cb) => sftp.symlink(target, tmp, cb));
      if (ext.has('posix-rename@openssh.com')) await done((cb) => sftp.ext_openssh_rename(tmp, p, cb));
      else await done((cb) => sftp.rename(tmp, p, cb));
    } catch (err) {
      await done((cb) => sftp.unlink(tmp, cb)).catch(() => undefined);
      throw sftpError(err, `creating symlink ${p}`, 'write');
    }
  }

  async makeHardlink(rel: string, existingRel: string): Promise<void> {
    const { sftp, ext } = await this.sftp();
    const p = await this.abs(sftp, rel);
    const from = await this.abs(sftp, existingRel);
    if (!ext.has('hardlink@openssh.com')) {
      throw new CofferError(ErrorCode.Config, `cannot restore hardlink ${p}: the server lacks hardlink@openssh.com`);
    }
    await done((cb) => sftp.unlink(p, cb)).catch(() => undefined);
    await done((cb) => sftp.ext_openssh_hardlink(from, p, cb)).catch((err: unknown) => {
      throw sftpError(err, `creating hardlink ${p}`, 'write');
    });
  }

  async setMetadata(rel: string, node: TreeNode): Promise<void> {
    if (node.type === 'symlink') return; // SETSTAT would follow the link
    const { sftp } = await this.sftp();
    const p = rel === '' ? this.base() : await this.abs(sftp, rel);
    await this.setAttrs(sftp, p, node);
  }

  async remove(rel: string): Promise<void> {
    const { sftp } = await this.sftp();
    const p = await this.abs(sftp, rel);
    await done((cb) => sftp.unlink(p, cb)).catch(() => done((cb) => sftp.rmdir(p, cb))).catch(() => undefined);
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) (await s.catch(() => undefined))?.client.end();
  }
}
