/**
 * The folders of a backup whose tree is not saved yet (archiver.ts). A folder's nodes
 * fill in as its files and subfolders finish; once the last has and the walk has seen
 * every entry, its tree is saved, or, when every node equals the parent snapshot's tree
 * of that folder (as many, the same fields), that tree is taken as it is. Bounds: at
 * most TREES_SAVING trees are encoded and saved at once; finished folders beyond that
 * wait their turn (and the walk waits with them, see `room`), and a folder's nodes are
 * dropped when its tree is saved. Which folders are open is the walk's business: one
 * per file in flight at most, plus the folders the walk is in. A folder stored as parts
 * (format 3, more than SPLIT_ABOVE entries, tree-parts.ts) is not held whole: as soon
 * as its first nodes are all known they go to a TreeBuilder, which saves each part when
 * it ends, so such a folder holds one part and the entries in flight.
 */
import { sameNode, type TreeNode } from './tree.js';
import { TreeBuilder } from './tree-builder.js';

/** Trees being saved at once, at most. */
export const TREES_SAVING = 64;

/** A folder whose tree is not saved yet. */
export interface OpenDir {
  /** Its nodes from slot `offset` on: undefined while pending, null when left out. */
  readonly nodes: (TreeNode | null | undefined)[];
  /** Slots before this one went to `builder` already (split folders only). */
  offset: number;
  /** Nodes set so far. */
  count: number;
  /** Entries handed off (files being stored, subfolders open) and not finished. */
  pending: number;
  /** Every entry seen: the tree is saved when `pending` is 0. */
  walked: boolean;
  readonly done: (treeId: string) => void;
  /** The parent snapshot's tree of this folder and its node count, when it could be read. */
  readonly parent?: { readonly id: string; readonly count: number };
  /** Every node so far equals the parent tree's node of that name. */
  same: boolean;
  /** For a folder stored as parts: where its nodes go, in order, as they become known. */
  readonly builder?: TreeBuilder;
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
    /** Saves a tree (or a part) of these nodes; resolves with its id. */
    private readonly save: (nodes: TreeNode[]) => Promise<string>,
    /** Saves a split tree's blob; resolves with its id. */
    private readonly saveSplit: (bytes: Buffer) => Promise<string>,
    /** Told of a failure to save a tree (the walk stops at its next entry). */
    private readonly fail: (err: unknown) => void,
  ) {}

  /** Opens a folder; `done` gets its tree id once saved or reused. `split`: store it as parts. */
  create(done: (treeId: string) => void, parent: OpenDir['parent'], split = false): OpenDir {
    this.stats.maxOpenDirs = Math.max(this.stats.maxOpenDirs, ++this.open);
    const builder = split ? new TreeBuilder({ saveNodes: this.save, saveSplit: this.saveSplit }, true) : undefined;
    return { nodes: [], offset: 0, count: 0, pending: 0, walked: false, done, ...(parent ? { parent } : {}), same: parent !== undefined, ...(builder ? { builder } : {}) };
  }

  /** Reserves the next slot of `dir` for an entry that finishes later. */
  reserve(dir: OpenDir): number {
    dir.pending++;
    return dir.offset + dir.nodes.push(undefined) - 1;
  }

  /** Sets the node at `slot` of `dir` (or appends it), noting whether it is the parent tree's `old`. */
  put(dir: OpenDir, slot: number | undefined, node: TreeNode, old: TreeNode | undefined): void {
    if (slot === undefined) dir.nodes.push(node);
    else dir.nodes[slot - dir.offset] = node;
    dir.count++;
    if (dir.same && (old === undefined || !sameNode(node, old))) dir.same = false;
    if (dir.builder) this.flush(dir);
  }

  /** Leaves the entry of `slot` out of `dir` (it could not be stored). */
  drop(dir: OpenDir, slot: number): void {
    dir.nodes[slot - dir.offset] = null;
    dir.same = false;
    if (dir.builder) this.flush(dir);
  }

  /** An entry of `dir` that was reserved finished (put or dropped before). */
  settle(dir: OpenDir): void {
    dir.pending--;
    if (dir.walked && dir.pending === 0) this.finish(dir);
  }

  /** The walk has seen every entry of `dir`. */
  walked(dir: OpenDir): void {
    dir.walked = true;
    if (dir.pending === 0) this.finish(dir);
  }

  /** Hands the nodes of a split folder that are known, up to the first pending one, to its builder. */
  private flush(dir: OpenDir): void {
    const builder = dir.builder as TreeBuilder;
    let i = 0;
    for (; i < dir.nodes.length && dir.nodes[i] !== undefined; i++) {
      const n = dir.nodes[i];
      if (!n) continue;
      const saving = builder.add(n);
      if (saving) this.track(saving);
    }
    if (i > 0) {
      dir.nodes.splice(0, i);
      dir.offset += i;
    }
  }

  /** Counts a save that runs in the background against TREES_SAVING; a failure goes to `fail`. */
  private track(p: Promise<unknown>): void {
    const saving: Promise<void> = p
      .then(() => undefined, (err: unknown) => this.fail(err))
      .finally(() => {
        this.saving.delete(saving);
        this.pump();
      });
    this.saving.add(saving);
    this.stats.maxSavingTrees = Math.max(this.stats.maxSavingTrees, this.saving.size);
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
    // Nothing changed in this folder: its tree is the parent's, already stored (and so
    // are the parts a split folder saved on the way, which are the parent's parts).
    if (dir.same && dir.parent && dir.count === dir.parent.count && this.has(dir.parent.id)) {
      this.open--;
      dir.nodes.length = 0;
      this.stats.treesReused++;
      dir.done(dir.parent.id);
      return;
    }
    if (dir.builder) {
      this.open--;
      const builder = dir.builder;
      this.flush(dir);
      this.track(builder.finish().then(dir.done));
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
      const nodes = dir.nodes.filter((n): n is TreeNode => n !== undefined && n !== null);
      dir.nodes.length = 0;
      this.track(this.save(nodes).then(dir.done));
    }
  }
}
