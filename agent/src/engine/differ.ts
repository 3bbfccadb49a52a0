/**
 * Differences between two trees: added, removed and modified paths, each with the
 * nodes on both sides and whether its content (file chunks, link target, type) or its
 * metadata (mode, owner, mtime) changed. Identical subtrees (same id) are skipped
 * without loading them; an added or removed folder is one change (its content is not
 * listed). A folder's own metadata is not compared. Pure but for loading trees.
 */
import type { Repository } from './repository.js';
import type { TreeNode } from './tree.js';
import { children, type DamageListener } from './tree-walk.js';

/** One difference. */
export interface Change {
  /** Added, removed, modified, or changed type. */
  readonly kind: '+' | '-' | 'M' | 'T';
  readonly path: string;
  /** The node in the first tree (absent for '+') and in the second (absent for '-'). */
  readonly before?: TreeNode;
  readonly after?: TreeNode;
  /** For 'M' and 'T': what differs. */
  readonly content: boolean;
  readonly metadata: boolean;
}

/** Whether two nodes hold the same content: type, file chunks, link target. */
export function sameContent(a: TreeNode, b: TreeNode): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'file') return a.size === b.size && (a.content ?? []).join() === (b.content ?? []).join();
  if (a.type === 'symlink') return a.target === b.target;
  return true;
}

/** Whether two nodes have the same mode, owner and (but for folders) mtime. */
export function sameMeta(a: TreeNode, b: TreeNode): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && (a.type === 'dir' || a.mtime === b.mtime);
}

/** Yields the changes from `a` to `b` (paths relative to both roots). */
export async function* diffNodes(repo: Repository, a: TreeNode, b: TreeNode, path: string, onDamage?: DamageListener): AsyncGenerator<Change> {
  if (a.type !== b.type) {
    yield { kind: 'T', path, before: a, after: b, content: true, metadata: !sameMeta(a, b) };
  } else if (a.type !== 'dir') {
    const content = !sameContent(a, b);
    const metadata = !sameMeta(a, b);
    if (content || metadata) yield { kind: 'M', path, before: a, after: b, content, metadata };
  }
  if (a.type !== 'dir' && b.type !== 'dir') return;
  if (a.type === 'dir' && b.type === 'dir' && a.subtree === b.subtree) return;
  const ca = new Map((await children(repo, a, path, onDamage)).map((n) => [n.name, n]));
  const cb = new Map((await children(repo, b, path, onDamage)).map((n) => [n.name, n]));
  const names = [...new Set([...ca.keys(), ...cb.keys()])].sort();
  for (const name of names) {
    const p = path === '' ? name : `${path}/${name}`;
    const x = ca.get(name);
    const y = cb.get(name);
    if (x && y) yield* diffNodes(repo, x, y, p, onDamage);
    else if (x) yield { kind: '-', path: p, before: x, content: true, metadata: false };
    else if (y) yield { kind: '+', path: p, after: y, content: true, metadata: false };
  }
}
