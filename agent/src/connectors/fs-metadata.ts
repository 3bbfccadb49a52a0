/**
 * Applying a node's metadata to a local path: ownership (as root; by name when the
 * name exists here, else by id), xattrs, mode (after chown, which clears setuid and
 * setgid), and times (libuv truncates to whole microseconds; half a microsecond is
 * added so float rounding cannot lose one; sub-µs digits are lost). Never follows a
 * symlink. Used on the main thread and by the write workers.
 */
import fs from 'node:fs';
import { setAttributeSync } from '@napi-rs/xattr';
import type { TreeNode } from '../engine/tree.js';
import { groupId, userId } from './fs-ids.js';

const myUid = typeof process.getuid === 'function' ? process.getuid() : -1;
const myGid = typeof process.getgid === 'function' ? process.getgid() : -1;

/** Nanoseconds (decimal string) → seconds for utimes, exact to the microsecond. */
export function nsToSeconds(ns: string): number {
  const n = BigInt(ns);
  const sec = n / 1_000_000_000n;
  const us = (n % 1_000_000_000n) / 1000n;
  return Number(sec) + (Number(us) + 0.5) / 1e6;
}

/** Applies `node`'s metadata to `p` (synchronously). */
export function applyMetadata(p: string, node: TreeNode): void {
  if (myUid === 0 && node.uid !== undefined && node.gid !== undefined) {
    const uid = (node.user !== undefined ? userId(node.user) : undefined) ?? node.uid;
    const gid = (node.group !== undefined ? groupId(node.group) : undefined) ?? node.gid;
    // A file we created is already ours: skip the call when nothing would change.
    if (uid !== myUid || gid !== myGid) {
      try {
        fs.lchownSync(p, uid, gid);
      } catch {
        // e.g. unsupported on this file system: keep going
      }
    }
  }
  if (node.type !== 'symlink') {
    for (const x of node.xattrs ?? []) {
      try {
        setAttributeSync(p, x.name, Buffer.from(x.value, 'base64'));
      } catch {
        // namespace not permitted (e.g. trusted.* without root): skip
      }
    }
    fs.chmodSync(p, node.mode);
  }
  const t = nsToSeconds(node.mtime);
  fs.lutimesSync(p, t, t);
}
