/**
 * Creating special files on local disk: FIFOs, and character and block devices (as
 * root: the kernel refuses device nodes to others). Node has no mknod(2), so the
 * coreutils `mknod` program makes the node, with its mode, at a path given through a
 * directory handle passed to it as its fd 3 (`/proc/self/fd/3/NAME`), so that no symlink
 * on the way is followed. Sockets are not made: a socket belongs to the program that
 * listens on it (restic and tar do not restore them either).
 * Guarantees: either the node exists at `at` or an error is thrown; nothing else is
 * created; the call returns within 10 s.
 */
import { spawnSync } from 'node:child_process';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { TreeNode } from '../engine/tree.js';

/** The kinds of `other` entries a restore can make, and the mknod type letter of each. */
const MKNOD_TYPE: Readonly<Record<string, string>> = { fifo: 'p', 'char-device': 'c', 'block-device': 'b' };

/** Why a special entry cannot be restored here, or undefined when it can. */
export function specialRefusal(node: TreeNode, isRoot: boolean): string | undefined {
  const kind = node.kind ?? '';
  if (kind === 'socket') return 'sockets are not restored (the program that listens on one makes it)';
  if (!(kind in MKNOD_TYPE)) return `${kind || 'special file'} of an unknown kind not restored`;
  if (kind !== 'fifo' && !isRoot) return `${kind} not restored: making device nodes needs root`;
  if (kind !== 'fifo' && node.rdev === undefined) return `${kind} not restored: the snapshot does not record its device number`;
  return undefined;
}

/** Major and minor numbers of a Linux device number (glibc's encoding). */
export function devNumbers(rdev: bigint): { major: bigint; minor: bigint } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major, minor };
}

/**
 * Makes the special file `node` at `at`, a path whose last part is not followed
 * (`/proc/self/fd/N/name` from a directory handle, or a plain path).
 */
export function makeSpecial(at: Buffer, node: TreeNode): void {
  const type = MKNOD_TYPE[node.kind ?? ''];
  if (type === undefined) throw new CofferError(ErrorCode.Usage, `${node.kind ?? 'special file'} cannot be made`);
  const text = at.toString('utf8');
  const viaFd = /^\/proc\/self\/fd\/(\d+)\/(.+)$/.exec(text);
  if (!viaFd && !Buffer.from(text, 'utf8').equals(at)) throw new CofferError(ErrorCode.Usage, 'a special file under a folder whose name is not UTF-8 cannot be made');
  const target = viaFd ? `/proc/self/fd/3/${viaFd[2] as string}` : text;
  const args = ['-m', (node.mode & 0o7777).toString(8), target, type];
  if (type !== 'p') {
    const { major, minor } = devNumbers(BigInt(node.rdev ?? '0'));
    args.push(major.toString(), minor.toString());
  }
  const fd = viaFd ? Number(viaFd[1]) : undefined;
  const r = spawnSync('mknod', args, { stdio: ['ignore', 'ignore', 'pipe', ...(fd !== undefined ? [fd] : [])], timeout: 10_000, encoding: 'utf8' });
  if (r.error) throw new CofferError(ErrorCode.Config, `cannot run mknod to make a ${node.kind ?? 'special file'}: ${r.error.message} (install coreutils)`);
  if (r.status !== 0) {
    const why = (r.stderr || `mknod exited with ${String(r.status ?? r.signal)}`).trim().split('\n')[0] as string;
    throw new CofferError(ErrorCode.Permission, `cannot make the ${node.kind ?? 'special file'}: ${why.replace(/^mknod: /, '')}`);
  }
}
