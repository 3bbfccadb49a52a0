/**
 * `repair snapshots`: rewrites each snapshot whose data is partly lost so that it
 * names only what can be read, as restic does: a file with a missing or damaged
 * chunk is removed, a directory whose listing cannot be read becomes an empty
 * directory. The new snapshot carries the tag `repaired` and a `repaired` field
 * naming the original and what was lost (docs/format.md §10); only then is the
 * original removed, so a crash leaves the original or both. A snapshot whose root
 * itself is lost, and a snapshot file that cannot be read, are removed. Without
 * `apply` nothing is written: the result says what would be done. The caller holds
 * an exclusive lock and has loaded the index.
 */
import { BlobType } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { encodeSnapshot, SNAPSHOT_AAD, type Snapshot, type SnapshotRecord } from './snapshot.js';
import { encodeTree, type StoredTree, type TreeNode } from './tree.js';
import { TreeBuilder } from './tree-builder.js';
import { SPLIT_ABOVE, storesSplitTrees } from './tree-parts.js';
import { isDamage } from './tree-walk.js';

/** Paths lost (a directory's own listing ends with '/'), at most this many recorded in a snapshot. */
export const MAX_LOST_RECORDED = 1000;

/** What happened (or would happen) to one snapshot. */
export interface SnapshotRepair {
  readonly id: string;
  /** 'rewritten' into `newId`; 'removed' (root lost, or the file unreadable). */
  readonly action: 'rewritten' | 'removed';
  readonly lost: readonly string[];
  readonly newId?: string;
  readonly reason?: string;
}

interface Rewritten {
  /** The new subtree id (undefined when the tree is unchanged). */
  readonly subtree: string | undefined;
  /** Lost paths relative to this tree. */
  readonly lost: readonly string[];
}

class SnapshotRepairer {
  private readonly chunkOk = new Map<string, boolean>();
  private readonly trees = new Map<string, Rewritten>();
  private emptyTree: string | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter | undefined,
  ) {}

  /** Whether a chunk is indexed and decodes (each chunk read once). */
  private async readable(id: string): Promise<boolean> {
    const hit = this.chunkOk.get(id);
    if (hit !== undefined) return hit;
    let ok = this.repo.index.has(id);
    if (ok) {
      try {
        await this.repo.loadBlob(BlobType.Data, id);
      } catch (err) {
        if (!isDamage(err)) throw err;
        ok = false;
      }
    }
    this.chunkOk.set(id, ok);
    return ok;
  }

  private async saveTree(nodes: TreeNode[]): Promise<string> {
    return this.saveBlob(encodeTree({ nodes }, this.repo.config.version));
  }

  private async saveBlob(bytes: Buffer): Promise<string> {
    const own = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(own);
    const id = this.repo.idOf(own);
    if (this.writer) await this.writer.addBlob(BlobType.Tree, id, own);
    return id.toString('hex');
  }

  /**
   * Rewrites tree `id` without its lost parts. Of a split tree (format 3), the parts that
   * can be read are kept and a part that cannot is lost like an unreadable listing.
   */
  async tree(id: string): Promise<Rewritten> {
    const hit = this.trees.get(id);
    if (hit) return hit;
    let stored: StoredTree;
    try {
      stored = await this.repo.loadStoredTree(id);
    } catch (err) {
      if (!isDamage(err)) throw err;
      this.emptyTree ??= await this.saveTree([]);
      const out = { subtree: this.emptyTree, lost: [''] };
      this.trees.set(id, out);
      return out;
    }
    const kept: TreeNode[] = [];
    const lost: string[] = [];
    let changed = false;
    for (const part of stored.parts ?? [undefined]) {
      let nodes: readonly TreeNode[];
      try {
        nodes = part ? await this.repo.loadTreePart(part, id) : (stored.nodes ?? []);
      } catch (err) {
        if (!isDamage(err)) throw err;
        changed = true;
        if (!lost.includes('')) lost.push('');
        continue;
      }
      for (const n of nodes) {
        const r = await this.node(n);
        lost.push(...r.lost);
        if (r.node !== n) changed = true;
        if (r.node) kept.push(r.node);
      }
    }
    const out = { subtree: changed ? await this.saveFolder(kept) : undefined, lost };
    this.trees.set(id, out);
    return out;
  }

  /** Saves a rewritten folder: as parts when it is large and the store's format splits trees. */
  private async saveFolder(nodes: TreeNode[]): Promise<string> {
    const split = storesSplitTrees(this.repo.config.version) && nodes.length > SPLIT_ABOVE;
    if (!split) return this.saveTree(nodes);
    const builder = new TreeBuilder({ saveNodes: (n) => this.saveTree(n), saveSplit: (b) => this.saveBlob(b) }, true);
    for (const n of nodes) await builder.add(n);
    return builder.finish();
  }

  /**
   * A node without its lost parts (undefined: the node itself is lost), and the lost
   * paths relative to its parent ('d/' for a directory whose own listing is lost).
   */
  async node(n: TreeNode): Promise<{ node: TreeNode | undefined; lost: readonly string[] }> {
    if (n.type === 'file') {
      for (const c of n.content ?? []) if (!(await this.readable(c))) return { node: undefined, lost: [n.name] };
      return { node: n, lost: [] };
    }
    if (n.type === 'dir' && n.subtree) {
      const r = await this.tree(n.subtree);
      return { node: r.subtree === undefined ? n : { ...n, subtree: r.subtree }, lost: r.lost.map((l) => `${n.name}/${l}`) };
    }
    return { node: n, lost: [] };
  }

  /** The snapshot root without its lost parts; lost paths relative to the root, as check names them. */
  async root(n: TreeNode): Promise<{ node: TreeNode | undefined; lost: readonly string[] }> {
    if (n.type !== 'dir' || !n.subtree) return this.node(n);
    const r = await this.tree(n.subtree);
    return { node: r.subtree === undefined ? n : { ...n, subtree: r.subtree }, lost: r.lost };
  }
}

/** Repairs (or, without `writer`, plans the repair of) every snapshot; returns what was (or would be) done. */
export async function repairSnapshots(repo: Repository, writer: RepoWriter | undefined, now: Date): Promise<SnapshotRepair[]> {
  const out: SnapshotRepair[] = [];
  const { intact, damaged } = await repo.scanSnapshots(() => undefined);
  for (const [id, err] of damaged) {
    out.push({ id, action: 'removed', lost: [], reason: err.message });
    if (writer) await repo.backend.remove('snapshot', id);
  }
  const fixer = new SnapshotRepairer(repo, writer);
  const pending: { rec: SnapshotRecord; snap: Snapshot | undefined; lost: string[] }[] = [];
  for (const rec of intact) {
    const s = rec.snapshot;
    const r = await fixer.root(s.root);
    if (r.lost.length === 0) continue;
    const lost = [...r.lost];
    const snap: Snapshot | undefined = r.node && {
      ...s,
      root: r.node,
      tags: s.tags.includes('repaired') ? s.tags : [...s.tags, 'repaired'],
      repaired: { from: rec.id, time: now.toISOString(), lostCount: lost.length, lost: lost.slice(0, MAX_LOST_RECORDED) },
    };
    pending.push({ rec, snap, lost });
  }
  // New trees are in saved packs named by a saved index before any snapshot names them.
  if (writer) await writer.flush();
  for (const { rec, snap, lost } of pending) {
    if (!snap) {
      out.push({ id: rec.id, action: 'removed', lost, reason: 'nothing of it can be read' });
      if (writer) await repo.backend.remove('snapshot', rec.id);
      continue;
    }
    const newId = writer ? await repo.saveFile('snapshot', encodeSnapshot(snap), SNAPSHOT_AAD) : undefined;
    if (writer) await repo.backend.remove('snapshot', rec.id);
    out.push({ id: rec.id, action: 'rewritten', lost, ...(newId ? { newId } : {}) });
  }
  return out;
}
