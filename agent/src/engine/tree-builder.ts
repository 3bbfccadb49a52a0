/**
 * Builds one folder's tree from its nodes, given one at a time in stored order (the
 * order of their names' bytes). A folder that may be split (format 3, more than
 * SPLIT_ABOVE entries, tree-parts.ts) is saved part by part as the nodes come: the
 * builder holds the nodes of one part, and the ids of the parts saved. Any other folder
 * is held whole and saved as one tree at the end.
 * Guarantees: the same nodes give the same tree id, however they were fed; a node out
 * of order throws Internal (a caller's bug, never a tree written out of order).
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { compareNameBytes, encodeSplitTree, isPartEnd, type PartRef } from './tree-parts.js';
import type { TreeNode } from './tree.js';

/** How a builder stores what it builds. */
export interface TreeSink {
  /** Saves an ordinary tree (or a part) of these nodes; resolves with its id. */
  saveNodes(nodes: TreeNode[]): Promise<string>;
  /** Saves a split tree's blob (encoded already); resolves with its id. */
  saveSplit(bytes: Buffer): Promise<string>;
}

export class TreeBuilder {
  private part: TreeNode[] = [];
  private readonly parts: Promise<PartRef>[] = [];
  private last: string | undefined;
  /** Nodes added so far. */
  count = 0;

  /** `split`: store this folder as parts (the store's format has them and the folder is large). */
  constructor(
    private readonly sink: TreeSink,
    readonly split: boolean,
  ) {}

  /**
   * Adds the next node. When it ends a part, the part starts saving and the promise of
   * that save is returned (a caller may wait on it to bound what is in flight).
   */
  add(node: TreeNode): Promise<unknown> | undefined {
    if (this.split) {
      if (this.last !== undefined && compareNameBytes(this.last, node.name) >= 0) {
        throw new CofferError(ErrorCode.Internal, 'tree nodes were given out of order (a split tree needs the order of the names\' bytes)');
      }
      this.last = node.name;
    }
    this.part.push(node);
    this.count++;
    if (!this.split || !isPartEnd(node.name, this.part.length)) return undefined;
    return this.endPart();
  }

  /** Saves what is left; resolves with the folder's tree id. */
  async finish(): Promise<string> {
    if (!this.split) return this.sink.saveNodes(this.part);
    if (this.part.length > 0 || this.parts.length === 0) void this.endPart();
    const parts = await Promise.all(this.parts);
    return this.sink.saveSplit(encodeSplitTree(parts));
  }

  private endPart(): Promise<PartRef> {
    const nodes = this.part;
    this.part = [];
    const saved = this.sink.saveNodes(nodes).then((id) => ({ id, count: nodes.length }));
    saved.catch(() => undefined); // seen by finish
    this.parts.push(saved);
    return saved;
  }
}
