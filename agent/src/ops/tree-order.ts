/**
 * The sorted, filtered listing of one folder, and a small LRU of them, so the pages of a
 * 100,000-entry folder are cut from one sort. Orders: `name` (folders first, then by
 * name in code unit order, which is byte order for UTF-8 names; descending keeps folders
 * first), `size` (files by size, folders as 0), `mtime`, `type` (dir, file, symlink,
 * other); ties by name; descending reverses them. `filter` keeps the names whose display
 * form contains it, case-insensitively. Keys are (tree id, sort, descending, filter): a
 * folder unchanged between snapshots shares its listing.
 */
import { displayName } from '../engine/raw-name.js';
import type { TreeNode } from '../engine/tree.js';

export const TREE_SORTS = ['name', 'size', 'mtime', 'type'] as const;
export type TreeSort = (typeof TREE_SORTS)[number];

const TYPE_ORDER: Readonly<Record<string, number>> = { dir: 0, file: 1, symlink: 2, other: 3 };

function byName(a: TreeNode, b: TreeNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function mtimeKey(n: TreeNode): bigint {
  try {
    return BigInt(n.mtime);
  } catch {
    return 0n;
  }
}

/** `nodes` sorted by `sort`, filtered by `filter` (a new array). */
export function orderNodes(nodes: readonly TreeNode[], sort: TreeSort, descending: boolean, filter: string): TreeNode[] {
  const f = filter.toLowerCase();
  const kept = f === '' ? [...nodes] : nodes.filter((n) => displayName(n.name).toLowerCase().includes(f));
  const sign = descending ? -1 : 1;
  switch (sort) {
    case 'name':
      return kept.sort((a, b) => (a.type === 'dir') === (b.type === 'dir') ? sign * byName(a, b) : a.type === 'dir' ? -1 : 1);
    case 'type':
      return kept.sort((a, b) => sign * ((TYPE_ORDER[a.type] ?? 4) - (TYPE_ORDER[b.type] ?? 4) || byName(a, b)));
    case 'size': {
      const size = (n: TreeNode): number => (n.type === 'file' ? (n.size ?? 0) : 0);
      return kept.sort((a, b) => sign * (size(a) - size(b) || byName(a, b)));
    }
    case 'mtime': {
      const keys = new Map(kept.map((n) => [n, mtimeKey(n)]));
      return kept.sort((a, b) => {
        const x = keys.get(a) as bigint;
        const y = keys.get(b) as bigint;
        return sign * (x < y ? -1 : x > y ? 1 : byName(a, b));
      });
    }
  }
}

/** Recently used listings. */
export class ListingCache {
  private readonly map = new Map<string, TreeNode[]>();

  constructor(private readonly max = 16) {}

  /** The listing of tree `treeId` in this order, sorted now or taken from the cache. */
  get(treeId: string, nodes: () => readonly TreeNode[], sort: TreeSort, descending: boolean, filter: string): TreeNode[] {
    const key = JSON.stringify([treeId, sort, descending, filter]);
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const out = orderNodes(nodes(), sort, descending, filter);
    this.map.set(key, out);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return out;
  }
}
