/**
 * Reading a folder's tree as a stream of node lists: the whole list for an ordinary
 * tree, one part at a time for a split one (tree-parts.ts), with the next part read
 * ahead. A reader holds at most two parts of a folder, however many entries it has.
 * Guarantees: the nodes come in stored order; parts whose names are out of order
 * across a part boundary (a tree no coffer writes) throw Corrupt.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Repository } from './repository.js';
import { compareNameBytes, type PartRef } from './tree-parts.js';
import type { StoredTree, TreeNode } from './tree.js';

/** How a tree is read. */
export interface TreeReadOptions {
  /** Keep an ordinary tree in the repository's tree cache. @default true */
  readonly cache?: boolean;
}

/** The node lists of tree `id`, in order (one for an ordinary tree, one per part for a split one). */
export async function* treeChunks(repo: Repository, id: string, opts: TreeReadOptions = {}): AsyncGenerator<readonly TreeNode[]> {
  yield* storedChunks(repo, id, await repo.loadStoredTree(id, opts));
}

/** The node lists of tree `id` whose blob was read already (`stored`). */
export async function* storedChunks(repo: Repository, id: string, stored: StoredTree): AsyncGenerator<readonly TreeNode[]> {
  if (!stored.parts) {
    yield stored.nodes;
    return;
  }
  yield* partChunks(repo, id, stored.parts);
}

/** The parts of split tree `id` in order, each checked to follow the one before it. */
async function* partChunks(repo: Repository, id: string, parts: readonly PartRef[]): AsyncGenerator<readonly TreeNode[]> {
  let last: string | undefined;
  let next: Promise<readonly TreeNode[]> | undefined = repo.loadTreePart(parts[0] as PartRef, id);
  for (let i = 0; i < parts.length; i++) {
    const nodes: readonly TreeNode[] = await (next as Promise<readonly TreeNode[]>);
    next = i + 1 < parts.length ? repo.loadTreePart(parts[i + 1] as PartRef, id) : undefined;
    next?.catch(() => undefined); // awaited (and its error seen) on the next turn
    const first = nodes[0];
    if (first && last !== undefined && compareNameBytes(last, first.name) >= 0) {
      throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)}: part ${(parts[i] as PartRef).id.slice(0, 12)} is out of order with the part before it`);
    }
    last = nodes[nodes.length - 1]?.name ?? last;
    yield nodes;
  }
}

/**
 * The node lists of `chunks` until one cannot be read: that error goes to `onError`
 * (which may throw it, or another) and the lists end there. Errors of the caller's own
 * loop body are not caught.
 */
export async function* untilUnreadable(chunks: AsyncGenerator<readonly TreeNode[]>, onError: (err: unknown) => void): AsyncGenerator<readonly TreeNode[]> {
  for (;;) {
    let r: IteratorResult<readonly TreeNode[]>;
    try {
      r = await chunks.next();
    } catch (err) {
      onError(err);
      return;
    }
    if (r.done) return;
    yield r.value;
  }
}
