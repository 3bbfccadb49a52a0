/**
 * A tree node as the StoreService shows it (TreeEntry): names and link targets in their
 * display form (bytes that are not UTF-8 as `\xHH`, as `coffer ls` shows them), and for
 * files a content digest. A tree holds no digest of a file's bytes, only the ids of its
 * chunks, so the digest is SHA-256 over the chunk ids (32 bytes each, in order): equal
 * for files of equal content in one store (chunking is deterministic per store), and
 * computed without reading any data. It is not the SHA-256 of the file's bytes (that is
 * `coffer digest`). Pure.
 */
import { createHash } from 'node:crypto';
import type { TreeEntry } from '@coffer/shared/gen/coffer/v1/store.js';
import { displayName } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';

/** The content digest of a file node (hex), '' for other nodes. */
export function contentDigest(n: TreeNode): string {
  if (n.type !== 'file') return '';
  const h = createHash('sha256');
  for (const id of n.content ?? []) h.update(Buffer.from(id, 'hex'));
  return h.digest('hex');
}

/** The TreeEntry of a node. */
export function treeEntry(n: TreeNode): TreeEntry {
  return {
    name: displayName(n.name),
    type: n.type,
    size: n.type === 'file' ? (n.size ?? 0) : 0,
    mode: n.mode,
    user: n.user ?? '',
    group: n.group ?? '',
    uid: n.uid ?? 0,
    gid: n.gid ?? 0,
    mtimeNs: n.mtime,
    target: n.target !== undefined ? displayName(n.target) : '',
    digest: contentDigest(n),
  };
}
