/**
 * The parent snapshot's nodes of one folder, as a backup asks for them: by name, for
 * each entry of the folder in turn. An ordinary tree is read whole into a map; a split
 * tree (format 3) is read part by part through a cursor, which needs the entries in the
 * order of their names' bytes and holds at most two parts. A tree or part that cannot
 * be read gives no parent nodes from there on (those entries are read again).
 */
import type { Repository } from './repository.js';
import { compareNameBytes, partsCount } from './tree-parts.js';
import { storedChunks } from './tree-read.js';
import type { TreeNode } from './tree.js';

/** A parent folder's tree: its id, node count, and its nodes by name (map or cursor). */
export interface ParentNodes {
  readonly id: string;
  readonly count: number;
  readonly byName?: ReadonlyMap<string, TreeNode>;
  readonly cursor?: PartCursor;
}

/** Finds nodes of a split tree by name, asked for in increasing byte order of the names. */
export class PartCursor {
  private nodes: readonly TreeNode[] = [];
  private i = 0;
  private ended = false;

  constructor(private readonly chunks: AsyncGenerator<readonly TreeNode[]>) {}

  /** The node named `name`, or undefined; names asked for must increase. */
  async find(name: string): Promise<TreeNode | undefined> {
    for (;;) {
      while (this.i < this.nodes.length) {
        const n = this.nodes[this.i] as TreeNode;
        const c = compareNameBytes(n.name, name);
        if (c > 0) return undefined;
        this.i++;
        if (c === 0) return n;
      }
      if (this.ended) return undefined;
      try {
        const r = await this.chunks.next();
        if (r.done) this.ended = true;
        else {
          this.nodes = r.value;
          this.i = 0;
        }
      } catch {
        this.ended = true; // a damaged part: the rest is read again
        this.nodes = [];
      }
    }
  }
}

/** The parent nodes of tree `id`, or undefined when its tree cannot be read (everything is read again). */
export async function parentNodes(repo: Repository, id: string): Promise<ParentNodes | undefined> {
  try {
    const stored = await repo.loadStoredTree(id, { cache: false });
    if (!stored.parts) return { id, count: stored.nodes.length, byName: new Map(stored.nodes.map((n) => [n.name, n])) };
    return { id, count: partsCount(stored.parts), cursor: new PartCursor(storedChunks(repo, id, stored)) };
  } catch {
    return undefined;
  }
}
