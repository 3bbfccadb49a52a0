/**
 * Applying a node's metadata to a restored entry: ownership (as root; by name when the
 * name exists here, else by id), xattrs, mode (after chown, which clears setuid and
 * setgid), and times (libuv truncates to whole microseconds; half a microsecond is
 * added so float rounding cannot lose one; sub-µs digits are lost). Files and
 * directories are changed through their own open descriptor, symlinks through the
 * l* calls: nothing here ever follows a symlink. A file created with its final mode
 * (see `creationMode`) skips the chmod.
 */
import fs from 'node:fs';
import { setAttributeSync } from '@napi-rs/xattr';
import type { TreeNode } from '../engine/tree.js';
import { groupId, userId } from './fs-ids.js';

const myUid = typeof process.getuid === 'function' ? process.getuid() : -1;
const myGid = typeof process.getgid === 'function' ? process.getgid() : -1;

/** This process's umask, read without changing it (Linux: /proc/self/status); undefined when unknown. */
function readUmask(): number | undefined {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    return m ? parseInt(m[1] as string, 8) : undefined;
  } catch {
    return undefined;
  }
}

const umask = readUmask();

/**
 * The mode to create a file with so that it has `mode` at once, or undefined when
 * open() cannot give it (setuid, setgid or sticky bits; bits the umask would clear;
 * umask unknown): then the file is created 0600 and chmod-ed at commit.
 */
export function creationMode(mode: number): number | undefined {
  if (umask === undefined || (mode & ~0o777) !== 0 || (mode & umask) !== 0) return undefined;
  return mode;
}

/** Nanoseconds (decimal string) → seconds for utimes, exact to the microsecond. */
export function nsToSeconds(ns: string): number {
  const n = BigInt(ns);
  const sec = n / 1_000_000_000n;
  const us = (n % 1_000_000_000n) / 1000n;
  return Number(sec) + (Number(us) + 0.5) / 1e6;
}

/** The owner to give `node`, when running as root and it differs from ours (a file we created is already ours). */
function owner(node: TreeNode): { uid: number; gid: number } | undefined {
  if (myUid !== 0 || node.uid === undefined || node.gid === undefined) return undefined;
  const uid = (node.user !== undefined ? userId(node.user) : undefined) ?? node.uid;
  const gid = (node.group !== undefined ? groupId(node.group) : undefined) ?? node.gid;
  return uid !== myUid || gid !== myGid ? { uid, gid } : undefined;
}

function tryIt(f: () => void): void {
  try {
    f();
  } catch {
    // e.g. unsupported on this file system, or an xattr namespace not permitted: keep going
  }
}

/** Sets `node`'s xattrs at `xattrPath` (the napi xattr calls take string paths and use lsetxattr); none when it is undefined. */
function setXattrs(node: TreeNode, xattrPath: string | undefined): void {
  if (xattrPath === undefined) return;
  for (const x of node.xattrs ?? []) tryIt(() => setAttributeSync(xattrPath, x.name, Buffer.from(x.value, 'base64')));
}

/**
 * Applies `node`'s metadata to the open file or directory `fd`. `xattrPath` reaches the
 * same entry without following a last symlink; xattrs are skipped when it is undefined.
 * `modeSet`: the file was created with `node.mode` (creationMode: no setuid, setgid or
 * sticky bit, which a chown would clear), so no chmod is needed.
 */
export function applyMetadataFd(fd: number, node: TreeNode, xattrPath: string | undefined, modeSet = false): void {
  const o = owner(node);
  if (o) tryIt(() => fs.fchownSync(fd, o.uid, o.gid));
  setXattrs(node, xattrPath);
  if (!modeSet) fs.fchmodSync(fd, node.mode);
  const t = nsToSeconds(node.mtime);
  fs.futimesSync(fd, t, t);
}

/** Applies ownership and times of `node` to the symlink (or other entry) at `p`, not following it. */
export function applyMetadataNoFollow(p: Buffer, node: TreeNode): void {
  const o = owner(node);
  if (o) tryIt(() => fs.lchownSync(p, o.uid, o.gid));
  const t = nsToSeconds(node.mtime);
  fs.lutimesSync(p, t, t);
}
