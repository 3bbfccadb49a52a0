/**
 * A tree node as the API shows it (store.proto TreeEntry). Names and link targets that
 * are not valid UTF-8 are shown escaped as `coffer ls` shows them (`\xHH`,
 * raw-name.ts displayName). Absent owner fields are '' and 0; `mtime_ns` is the
 * node's decimal nanoseconds.
 * `digest` (files only): the tree stores no content id, so it is the SHA-256 of the
 * file's chunk ids (32 bytes each, in order), in hex. Equal content in one store has
 * equal chunks and so an equal digest; it is not a hash of the bytes themselves and
 * differs between stores (chunk ids are keyed).
 */
import { createHash } from 'node:crypto';
import type { TreeEntry } from '@coffer/shared/gen/coffer/v1/store.js';
import { displayName } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';

/** The digest of a file node's content (see the module comment); '' for other nodes. */
export function contentDigest(node: TreeNode): string {
  if (node.type !== 'file') return '';
  const h = createHash('sha256');
  for (const id of node.content ?? []) h.update(Buffer.from(id, 'hex'));
  return h.digest('hex');
}

/** A node as a TreeEntry. */
export function toTreeEntry(node: TreeNode): TreeEntry {
  return {
    name: displayName(node.name),
    type: node.type,
    size: node.type === 'file' ? (node.size ?? 0) : 0,
    mode: node.mode,
    user: node.user ?? '',
    group: node.group ?? '',
    uid: node.uid ?? 0,
    gid: node.gid ?? 0,
    mtimeNs: node.mtime,
    target: node.target !== undefined ? displayName(node.target) : '',
    digest: contentDigest(node),
  };
}
