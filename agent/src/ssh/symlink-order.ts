/**
 * SYMLINK's argument order. The SFTP draft says (linkpath, targetpath); OpenSSH's
 * sftp-server has always read (targetpath, linkpath), and most servers (ProFTPD's
 * mod_sftp, Go's pkg/sftp) follow OpenSSH. ssh2 sends OpenSSH's order only to servers
 * whose banner says OpenSSH or dropbear, so a ProFTPD server would make the link at the
 * target's name. `symlinkOrder` finds out what one connection's server does with a probe
 * in `dir` (a folder the caller may write in): it asks, through ssh2, for a link `a`
 * pointing to `b` (two fresh absolute names) and looks which of the two became a link;
 * both are removed afterwards. The answer is kept per connection.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'ssh2';
import type { SshSession } from './connect.js';
import { call, done } from './sftp-call.js';
import { sftpStatus } from './sftp-errors.js';

/** `as-is`: ssh2's call does what it says; `swapped`: give ssh2 the arguments the other way round; `none`: the server makes no symlinks. */
export type SymlinkOrder = 'as-is' | 'swapped' | 'none';

const known = new WeakMap<SshSession, Promise<SymlinkOrder>>();

async function probe(s: SshSession, dir: string): Promise<SymlinkOrder> {
  const base = `${dir === '/' ? '' : dir}/.coffer-probe-${randomBytes(6).toString('hex')}`;
  const a = `${base}-a`;
  const b = `${base}-b`;
  const isLink = (p: string): Promise<boolean> =>
    call<Stats>((cb) => s.sftp.lstat(p, cb)).then(
      (st) => st.isSymbolicLink(),
      () => false,
    );
  try {
    await done((cb) => s.sftp.symlink(b, a, cb));
  } catch (err) {
    if (sftpStatus(err) === 8) return 'none'; // OP_UNSUPPORTED
    if (sftpStatus(err) === undefined) throw err; // the connection failed
    return 'as-is'; // some other refusal: let the real request report it
  }
  try {
    if (await isLink(a)) return 'as-is';
    if (await isLink(b)) return 'swapped';
    return 'none'; // acknowledged, but no link anywhere
  } finally {
    await done((cb) => s.sftp.unlink(a, cb)).catch(() => undefined);
    await done((cb) => s.sftp.unlink(b, cb)).catch(() => undefined);
  }
}

/** What `s`'s server does with SYMLINK (probed once per connection, in `dir`). */
export function symlinkOrder(s: SshSession, dir: string): Promise<SymlinkOrder> {
  let p = known.get(s);
  if (!p) {
    p = probe(s, dir);
    known.set(s, p);
    p.catch(() => known.delete(s));
  }
  return p;
}

/** Makes `linkPath` point to `target` on `s`'s server, in the order `order` says. */
export function makeLink(s: SshSession, order: SymlinkOrder, target: string, linkPath: string): Promise<void> {
  return done((cb) => (order === 'swapped' ? s.sftp.symlink(linkPath, target, cb) : s.sftp.symlink(target, linkPath, cb)));
}
