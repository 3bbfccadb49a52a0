/**
 * Hard links of a restore. The first name of an inode that has several (node.links > 1)
 * is restored as a file; each later name becomes a hard link to it. Memory is bounded
 * whatever the snapshot holds: at most `max` inodes are remembered, and an inode is
 * forgotten once all its names have been seen. A name of an inode that could not be
 * remembered (the bound was reached while it was pending) is restored as a separate
 * file, a copy of the same content, and counted in `copies`.
 */
import type { TreeNode } from './tree.js';

/** Inodes with names still to come remembered at most (~200 bytes each). */
export const MAX_PENDING_INODES = 65_536;

/** The first restored name of an inode. */
export interface FirstName {
  readonly path: string;
  /** Names of it still to come. */
  left: number;
  /** Set when the first name could not be restored (its links then fail too). */
  failed: boolean;
}

/** What to do with one file name: link it to `linkTo`, or restore it as a file (that later names link to when `first` is set). */
export interface LinkPlan {
  readonly linkTo?: FirstName;
  readonly first?: FirstName;
}

/** The inodes of one restore whose later names are still to come. */
export class HardlinkMap {
  private readonly firsts = new Map<string, FirstName>();
  /** Names restored as copies because the bound was reached. */
  copies = 0;

  constructor(private readonly max = MAX_PENDING_INODES) {}

  /** Inodes remembered now (tests). */
  get size(): number {
    return this.firsts.size;
  }

  /**
   * Decides for the file `rel`: a link to an earlier name, or a file (then `first`,
   * when set, is what a later name will link to; mark it failed if the file fails).
   */
  plan(rel: string, node: TreeNode): LinkPlan {
    if (!node.links || node.links < 2 || !node.inode) return {};
    const key = `${node.dev ?? ''}:${node.inode}`;
    const first = this.firsts.get(key);
    if (first) {
      if (--first.left <= 0) this.firsts.delete(key);
      return { linkTo: first };
    }
    if (this.firsts.size >= this.max) {
      this.copies++;
      return {};
    }
    const entry: FirstName = { path: rel, left: node.links - 1, failed: false };
    this.firsts.set(key, entry);
    return { first: entry };
  }
}
