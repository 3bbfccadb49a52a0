/**
 * ListTree: one page of one folder of a snapshot, sorted and filtered here (tree-order.ts;
 * the sorted listing is cached, so further pages cost a slice). Guarantees:
 *  - `entry` is the folder itself; when `path` names anything else, `entry` is that
 *    and `entries` is empty.
 *  - `total` counts the entries that pass the filter, before paging (limit 0: 200, at
 *    most 5000).
 *  - A folder whose own listing cannot be read answers with no entries and itself in
 *    `damaged`; sub-folders whose listing is not in the store's index are listed as
 *    usual and named in `damaged` too.
 *  - Names and paths are display forms (`\xHH` for bytes that are not UTF-8).
 */
import type { EntryErrorInfo, ListTreeRequest, ListTreeResponse } from '@coffer/shared/gen/coffer/v1/store.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { displayName } from '../engine/raw-name.js';
import { isDamage } from '../engine/tree-walk.js';
import type { TreeNode } from '../engine/tree.js';
import type { OpenStore } from './open-store.js';
import { pageBounds, sortKey } from './paging.js';
import { treeEntry } from './tree-entry.js';
import { ListingCache, TREE_SORTS } from './tree-order.js';
import { resolveRequest } from './tree-path.js';

const listings = new ListingCache();

function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

export async function listTree(store: OpenStore, req: ListTreeRequest, _ctx: CallContext): Promise<ListTreeResponse> {
  const sort = sortKey(req.sort, TREE_SORTS);
  const { start, end } = pageBounds(req.offset, req.limit, 200, 5000);
  const { snap, entry } = await resolveRequest(store, req.snapshot, req.path);
  const base = { entry: treeEntry(entry.node), snapshot: snap.id, path: displayName(entry.path) };
  const node = entry.node;
  if (node.type !== 'dir') return { ...base, entries: [], total: 0, damaged: [] };
  let nodes: readonly TreeNode[] = [];
  try {
    if (node.subtree) nodes = (await store.repo.loadTree(node.subtree)).nodes;
  } catch (err) {
    if (!isDamage(err)) throw err;
    return { ...base, entries: [], total: 0, damaged: [{ path: base.path, error: err.message }] };
  }
  const sorted = node.subtree ? listings.get(node.subtree, () => nodes, sort, req.descending, req.filter) : [];
  const index = store.repo.index;
  const damaged: EntryErrorInfo[] = [];
  for (const n of sorted) {
    if (n.type === 'dir' && n.subtree && !index.has(n.subtree)) {
      damaged.push({ path: displayName(childPath(entry.path, n.name)), error: `its listing (tree ${n.subtree.slice(0, 12)}) is missing from the store` });
    }
  }
  return { ...base, entries: sorted.slice(start, end).map(treeEntry), total: sorted.length, damaged };
}
