/**
 * Finding the nodes of many snapshots that match a test, loading each tree once. Trees
 * are content-addressed, so a subtree with the same id holds the same nodes in every
 * snapshot: the search of a tree is kept as a summary (its matching entries, its
 * folders that hold matches, and its unreadable folders) under the tree's id (and its
 * path, for tests that depend on it), and a later snapshot holding the same tree reuses
 * it without loading or testing anything. Summaries hold only what matched, so memory
 * grows with the matches kept, not with the trees searched. Matches come in the order of
 * a depth-first walk (walk() in engine/tree-walk.ts: a folder before its content, names
 * in stored order). A folder whose tree cannot be read is reported through `onDamage`
 * (for every snapshot holding it) and skipped; the search of a snapshot stops when the
 * caller stops pulling, and between trees when `signal` aborts.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import type { TreeNode } from '../engine/tree.js';
import { isDamage } from '../engine/tree-walk.js';
import type { NodeMatcher } from './name-match.js';

/** One match: the snapshot, the node's path in it ('' is the root) and the node. */
export interface SearchMatch {
  readonly snapshot: SnapshotRecord;
  readonly path: string;
  readonly node: TreeNode;
}

/** Options of {@link searchSnapshots}. */
export interface SearchOptions {
  readonly signal?: AbortSignal;
  /** A folder of `snapshot` at `path` whose listing cannot be read. */
  readonly onDamage?: (snapshot: SnapshotRecord, path: string, err: CofferError) => void;
  /** Matches wanted in all; a search stops building summaries past it. @default Infinity */
  readonly limit?: number;
}

interface Item {
  readonly node: TreeNode;
  readonly hit: boolean;
  /** The folder's own summary, when it holds matches or damage. */
  readonly sub?: Summary;
}

interface Summary {
  readonly items: Item[];
  /** Matches below (at least; exact unless `partial`). */
  count: number;
  /** The tree itself could not be read. */
  damage?: CofferError;
  /** Cut short at the limit: never reused. */
  partial: boolean;
}

const EMPTY: Summary = { items: [], count: 0, partial: false };

function joined(path: string, name: string): string {
  return path === '' ? name : `${path}/${name}`;
}

/** The tree search of one store: keeps its summaries across the snapshots searched. */
class TreeSearch {
  private readonly memo = new Map<string, Summary>();

  constructor(
    private readonly repo: Repository,
    private readonly match: NodeMatcher,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The summary of the tree `id` found at `path`, building at most `cap` matches. */
  async summary(id: string, path: string, cap: number): Promise<Summary> {
    const key = this.match.byPath ? `${id}\0${path}` : id;
    const hit = this.memo.get(key);
    if (hit) return hit;
    if (cap <= 0) return { items: [], count: 0, partial: true };
    if (this.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'search interrupted');
    const out: Summary = { items: [], count: 0, partial: false };
    let nodes: readonly TreeNode[];
    try {
      nodes = (await this.repo.loadTree(id)).nodes;
      const names = new Set<string>();
      for (const n of nodes) {
        if (names.has(n.name)) throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} names '${displayName(n.name)}' twice; refusing it`);
        names.add(n.name);
      }
    } catch (err) {
      if (!isDamage(err)) throw err;
      out.damage = err;
      nodes = [];
    }
    for (const n of nodes) {
      const p = joined(path, n.name);
      const isHit = this.match.test(n, p);
      const sub = n.type === 'dir' && n.subtree ? await this.summary(n.subtree, p, cap - out.count - (isHit ? 1 : 0)) : EMPTY;
      const keep = sub.count > 0 || sub.damage !== undefined || sub.items.length > 0;
      if (isHit || keep) out.items.push({ node: n, hit: isHit, ...(keep ? { sub } : {}) });
      out.count += (isHit ? 1 : 0) + sub.count;
      if (sub.partial || out.count >= cap) {
        out.partial = true;
        break;
      }
    }
    if (!out.partial) this.memo.set(key, out.count === 0 && !out.damage && out.items.length === 0 ? EMPTY : out);
    return out;
  }

  /** The matches of a summary, in walk order, with its damage reported. */
  *expand(snap: SnapshotRecord, s: Summary, path: string, onDamage: SearchOptions['onDamage']): Generator<SearchMatch> {
    if (s.damage) onDamage?.(snap, path, s.damage);
    for (const it of s.items) {
      const p = joined(path, it.node.name);
      if (it.hit) yield { snapshot: snap, path: p, node: it.node };
      if (it.sub) yield* this.expand(snap, it.sub, p, onDamage);
    }
  }
}

/** The matches of `match` in each of `snaps`, in order, snapshot by snapshot. */
export async function* searchSnapshots(repo: Repository, snaps: readonly SnapshotRecord[], match: NodeMatcher, opts: SearchOptions = {}): AsyncGenerator<SearchMatch> {
  const search = new TreeSearch(repo, match, opts.signal);
  const limit = opts.limit ?? Infinity;
  let found = 0;
  for (const snap of snaps) {
    if (found >= limit) return;
    const root = snap.snapshot.root;
    if (match.test(root, '')) {
      found++;
      yield { snapshot: snap, path: '', node: root };
    }
    if (root.type !== 'dir' || !root.subtree) continue;
    // One more than wanted, so the caller can tell the search was cut.
    const s = await search.summary(root.subtree, '', limit - found + 1);
    for (const m of search.expand(snap, s, '', opts.onDamage)) {
      found++;
      yield m;
    }
  }
}
