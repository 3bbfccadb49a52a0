/**
 * The folders of a backup whose tree is not saved yet (archiver.ts). A folder's nodes
 * fill in as its files and subfolders finish; once the last has and the walk has seen
 * every entry, its tree is saved, or, when every node equals the parent snapshot's tree
 * of that folder (as many, the same fields), that tree is taken as it is. Bounds: at
 * most TREES_SAVING trees are encoded and saved at once; finished folders beyond that
 * wait their turn (and the walk waits with them, see `room`), and a folder's nodes are
 * dropped when its tree is saved. Which folders are open is the walk's business: one
 * per file in flight at most, plus the folders the walk is in.
 */
import { sameNode, type TreeNode } from './tree.js';

/** Trees being saved at once, at most. */
export const TREES_SAVING = 64;

/** A folder whose tree is not saved yet. */
export interface OpenDir {
  readonly nodes: (TreeNode | undefined)[];
  /** Entries handed off (files being stored, subfolders open) and not finished. */
  pending: number;
  /** Every entry seen: the tree is saved when `pending` is 0. */
  walked: boolean;
  readonly done: (treeId: string) => void;
  /** The parent snapshot's tree of this folder and its node count, when it could be read. */
  readonly parent?: { readonly id: string; readonly count: number };
  /** Every node so far equals the parent tree's node of that name. */
  same: boolean;
}

/** What the walk held at most and what it saved itself. */
export interface WalkStats {
  /** Folders walked or being walked whose tree was not saved yet (each holds its nodes). */
  readonly maxOpenDirs: number;
  /** Trees being encoded and saved at once (at most TREES_SAVING). */
  readonly maxSavingTrees: number;
  /** Folders whose parent tree was taken as it is (nothing in them changed). */
  readonly treesReused: number;
}

/** The open folders of one backup. */
export class OpenDirs {
  readonly stats = { maxOpenDirs: 0, maxSavingTrees: 0, treesReused: 0 };
  private open = 0;
  private readonly saving = new Set<Promise<void>>();
  private readonly toSave: OpenDir[] = [];

  constructor(
    /** Whether the store has a blob (the parent tree, before it is reused). */
    private readonly has: (id: string) => boolean,
    /** Saves a tree; resolves with its id. */
    private readonly save: (nodes: TreeNode[]) => Promise<string>,
    /** Told of a failure to save a tree (the walk stops at its next entry). */
    private readonly fail: (err: unknown) => void,
  ) {}

  /** Opens a folder; `done` gets its tree id once saved or reused. */
  create(done: (treeId: string) => void, parent: OpenDir['parent']): OpenDir {
    this.stats.maxOpenDirs = Math.max(this.stats.maxOpenDirs, ++this.open);
    return { nodes: [], pending: 0, walked: false, done, ...(parent ? { parent } : {}), same: parent !== undefined };
  }

  /** Reserves the next slot of `dir` for an entry that finishes later. */
  reserve(dir: OpenDir): number {
    dir.pending++;
    return dir.nodes.push(undefined) - 1;
  }

  /** Sets the node at `slot` of `dir` (or appends it), noting whether it is the parent tree's `old`. */
  put(dir: OpenDir, slot: number | undefined, node: TreeNode, old: TreeNode | undefined): void {
    if (slot === undefined) dir.nodes.push(node);
    else dir.nodes[slot] = node;
    if (dir.same && (old === undefined || !sameNode(node, old))) dir.same = false;
  }

  /** An entry of `dir` that was reserved finished (its node set, or left out on an error). */
  settle(dir: OpenDir): void {
    dir.pending--;
    if (dir.walked && dir.pending === 0) this.finish(dir);
  }

  /** The walk has seen every entry of `dir`. */
  walked(dir: OpenDir): void {
    dir.walked = true;
    if (dir.pending === 0) this.finish(dir);
  }

  /** Resolves when the walk may open another folder: fewer than TREES_SAVING trees being saved, none waiting. */
  async room(): Promise<void> {
    while (this.saving.size >= TREES_SAVING || (this.toSave.length > 0 && this.saving.size > 0)) await Promise.race(this.saving);
  }

  /** Resolves when every finished folder's tree is saved. */
  async settled(): Promise<void> {
    while (this.saving.size > 0 || this.toSave.length > 0) await Promise.all([...this.saving]);
  }

  private finish(dir: OpenDir): void {
    const count = dir.nodes.reduce((n, x) => (x ? n + 1 : n), 0);
    // Nothing changed in this folder: its tree is the parent's, already stored.
    if (dir.same && dir.parent && count === dir.parent.count && this.has(dir.parent.id)) {
      this.open--;
      dir.nodes.length = 0;
      this.stats.treesReused++;
      dir.done(dir.parent.id);
      return;
    }
    this.toSave.push(dir);
    this.pump();
  }

  /** Starts saving the trees of finished folders, TREES_SAVING at a time. */
  private pump(): void {
    while (this.saving.size < TREES_SAVING) {
      const dir = this.toSave.shift();
      if (!dir) return;
      this.open--;
      const nodes = dir.nodes.filter((n): n is TreeNode => n !== undefined);
      dir.nodes.length = 0;
      const saving: Promise<void> = this.save(nodes)
        .then(dir.done, (err: unknown) => this.fail(err))
        .finally(() => {
          this.saving.delete(saving);
          this.pump();
        });
      this.saving.add(saving);
      this.stats.maxSavingTrees = Math.max(this.stats.maxSavingTrees, this.saving.size);
    }
  }
}
