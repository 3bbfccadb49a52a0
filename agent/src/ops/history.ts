/**
 * StoreService.PathHistory: every version of one path across the snapshots of a source
 * (the request's, else the source of `snapshot`, else all), oldest first. Each version
 * says whether the path is there, its entry, and whether it differs from the version
 * before it (appeared, vanished, content or metadata; before the first snapshot the
 * path counts as absent). A snapshot in which a folder on the way cannot be read is
 * left out (it is neither a version nor an absence); a path in no snapshot at all is
 * NOT_FOUND. Trees are loaded through the store's tree cache, so folders shared by
 * consecutive snapshots are read once.
 */
import type { PathHistoryRequest, PathHistoryResponse, PathVersion } from '@coffer/shared/gen/coffer/v1/store.js';
import { notFoundRpc } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { sameContent, sameMeta } from '../engine/differ.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import type { TreeNode } from '../engine/tree.js';
import { isDamage } from '../engine/tree-walk.js';
import { filterSnapshots, pathField, snapshotSource, snapshotTimeMs, throwIfAborted } from './fields.js';
import type { OpenStore } from './open-store.js';
import { treeEntry } from './tree-entry.js';

/** The node at `path` below `root`: the node, 'absent', or 'damaged' when a folder on the way cannot be read. */
export async function lookupPath(repo: Repository, root: TreeNode, path: string): Promise<TreeNode | 'absent' | 'damaged'> {
  let node = root;
  if (path === '') return node;
  for (const part of path.split('/')) {
    if (node.type !== 'dir' || !node.subtree) return 'absent';
    let nodes: readonly TreeNode[];
    try {
      nodes = (await repo.loadTree(node.subtree)).nodes;
    } catch (err) {
      if (isDamage(err)) return 'damaged';
      throw err;
    }
    const next = nodes.find((n) => n.name === part) ?? nodes.find((n) => displayName(n.name) === part);
    if (!next) return 'absent';
    node = next;
  }
  return node;
}

/** Whether a version's content differs from the one before: for a folder, whether anything inside it changed. */
function contentDiffers(a: TreeNode, b: TreeNode): boolean {
  return !sameContent(a, b) || (a.type === 'dir' && a.subtree !== b.subtree);
}

export async function pathHistory(store: OpenStore, req: PathHistoryRequest, ctx: CallContext): Promise<PathHistoryResponse> {
  const path = pathField('path', req.path);
  const source = req.source || (req.snapshot ? snapshotSource(await store.snapshot(req.snapshot)) : '');
  const snaps = filterSnapshots(await store.snapshots(), { source });
  const versions: PathVersion[] = [];
  let prev: TreeNode | undefined;
  for (const s of snaps) {
    throwIfAborted(ctx.signal, 'path history');
    const found = await lookupPath(store.repo, s.snapshot.root, path);
    if (found === 'damaged') continue;
    const node = found === 'absent' ? undefined : found;
    const contentChanged = node !== undefined && (prev === undefined || contentDiffers(prev, node));
    const changed = node === undefined ? prev !== undefined : contentChanged || !sameMeta(prev as TreeNode, node);
    versions.push({ snapshot: s.id, timeMs: snapshotTimeMs(s), present: node !== undefined, entry: node ? treeEntry(node) : undefined, changed, contentChanged });
    prev = node;
  }
  if (!versions.some((v) => v.present)) {
    throw notFoundRpc('path', `/${path}`, source ? `no snapshot of source '${source}' holds it` : 'no snapshot holds it');
  }
  return { path: displayName(path), versions };
}
