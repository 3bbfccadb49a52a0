/**
 * Differences between two trees: added, removed and modified paths. Identical
 * subtrees (same id) are skipped without loading them.
 */
import type { Repository } from './repository.js';
import type { TreeNode } from './tree.js';
import { children, type DamageListener } from './tree-walk.js';

/** One difference. */
export interface Change {
  readonly kind: '+' | '-' | 'M' | 'T';
  readonly path: string;
}

function sameContent(a: TreeNode, b: TreeNode): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'file') return a.size === b.size && (a.content ?? []).join() === (b.content ?? []).join();
  if (a.type === 'symlink') return a.target === b.target;
  return true;
}

function sameMeta(a: TreeNode, b: TreeNode): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && (a.type === 'dir' || a.mtime === b.mtime);
}

/** Yields the changes from `a` to `b` (paths relative to both roots). */
export async function* diffNodes(repo: Repository, a: TreeNode, b: TreeNode, path: string, onDamage?: DamageListener): AsyncGenerator<Change> {
  if (a.type !== b.type) {
    yield { kind: 'T', path };
  } else if (!sameContent(a, b) || !sameMeta(a, b)) {
    if (a.type !== 'dir') yield { kind: 'M', path };
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
    else if (x) yield { kind: '-', path: p };
    else if (y) yield { kind: '+', path: p };
  }
}
