/**
 * Walking snapshot trees and resolving paths inside a snapshot. A path part names an
 * entry by its name or, when no entry has that name, by its display form (bytes that
 * are not UTF-8 as `\xHH`, as `ls` shows them), since a command line cannot carry them.
 * Given `onDamage`, a directory whose tree cannot be read is reported there and skipped
 * (its subtree only); without it the error is thrown. `walk` reads each tree once and
 * keeps no cache, so it holds only the trees of the directories it is in (one per
 * level), however large the snapshot.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Repository } from './repository.js';
import type { SnapshotRecord } from './snapshot.js';
import { displayName } from './raw-name.js';
import type { StoredTree, TreeNode } from './tree.js';
import { storedChunks, treeChunks, untilUnreadable } from './tree-read.js';

/** A node with its path inside the snapshot ('' for the root, no leading slash). */
export interface WalkEntry {
  readonly path: string;
  readonly node: TreeNode;
}

/** Splits `snap[:path]` into its parts. */
export function splitRef(ref: string): { snap: string; path: string } {
  const i = ref.indexOf(':');
  if (i < 0) return { snap: ref, path: '' };
  return { snap: ref.slice(0, i), path: normalisePath(ref.slice(i + 1)) };
}

/** Normalises a path inside a snapshot: no leading/trailing slash, no '.' parts; refuses '..'. */
export function normalisePath(p: string): string {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.includes('..')) throw new CofferError(ErrorCode.Usage, `invalid path '${p}': '..' is not allowed in snapshot paths`);
  return parts.join('/');
}

/** Finds the node at `path` in a snapshot. */
export async function findNode(repo: Repository, snap: SnapshotRecord, path: string): Promise<TreeNode> {
  return (await findEntry(repo, snap, path)).node;
}

/** Finds the node at `path` in a snapshot, with its path spelled by the names themselves (not display forms). */
export async function findEntry(repo: Repository, snap: SnapshotRecord, path: string): Promise<WalkEntry> {
  try {
    return await findBelowRoot(repo, snap, path);
  } catch (err) {
    // A snapshot of one local folder also takes the original absolute path
    // (`latest:/etc/ssh/sshd_config` in a backup of /etc), as restic shows paths.
    const under = absoluteInSource(snap, path);
    if (under === undefined || !(err instanceof CofferError) || err.code !== ErrorCode.NotFound) throw err;
    return findBelowRoot(repo, snap, under);
  }
}

/**
 * The absolute path of the one local folder a snapshot holds, without its leading slash
 * ('etc/ssh' for a backup of /etc/ssh), or '' when the snapshot's root is not one folder
 * (several paths, whose root already holds the absolute paths; a remote source; `/`).
 */
export function sourceFolderOf(snap: SnapshotRecord): string {
  const { type, location } = snap.snapshot.source;
  if (type !== 'fs' || !location.startsWith('/') || location.includes(' /')) return '';
  return location.slice(1).replace(/\/+$/, '');
}

/** How a path inside a snapshot is shown: the original absolute path (`/etc/ssh/sshd_config`), as restic and Plakar show it. */
export function shownPath(snap: SnapshotRecord, path: string): string {
  const own = sourceFolderOf(snap);
  return `/${own}${own !== '' && path !== '' ? '/' : ''}${path}`;
}

/** `path` made relative to the snapshot's root when it spells the source folder's own absolute path, else undefined. */
function absoluteInSource(snap: SnapshotRecord, path: string): string | undefined {
  const own = sourceFolderOf(snap);
  if (own === '') return undefined;
  if (path === own) return '';
  return path.startsWith(`${own}/`) ? path.slice(own.length + 1) : undefined;
}

async function findBelowRoot(repo: Repository, snap: SnapshotRecord, path: string): Promise<WalkEntry> {
  let node = snap.snapshot.root;
  if (path === '') return { path, node };
  const names: string[] = [];
  for (const part of path.split('/')) {
    if (node.type !== 'dir' || !node.subtree) {
      throw new CofferError(ErrorCode.NotFound, `'${displayName(path)}' not found in snapshot ${snap.id.slice(0, 8)} ('${displayName(node.name)}' is not a directory)`);
    }
    const next = await childNamed(repo, node.subtree, part);
    if (!next) throw new CofferError(ErrorCode.NotFound, `'${displayName(path)}' not found in snapshot ${snap.id.slice(0, 8)}`);
    node = next;
    names.push(next.name);
  }
  return { path: names.join('/'), node };
}

/** The entry of tree `id` named `part`, else the first whose display form is `part`; reads a split tree part by part. */
async function childNamed(repo: Repository, id: string, part: string): Promise<TreeNode | undefined> {
  let shown: TreeNode | undefined;
  for await (const nodes of treeChunks(repo, id)) {
    const exact = nodes.find((n) => n.name === part);
    if (exact) return exact;
    shown ??= nodes.find((n) => displayName(n.name) === part);
  }
  return shown;
}

/** Reports a directory whose listing cannot be read (path '' is the root). */
export type DamageListener = (path: string, err: CofferError) => void;

/** Whether `err` is damage of the store (rather than an I/O or usage error). */
export function isDamage(err: unknown): err is CofferError {
  return err instanceof CofferError && (err.code === ErrorCode.Corrupt || err.code === ErrorCode.NotFound);
}

/** How a walk reads trees. */
export interface WalkOptions {
  /**
   * Keep the trees read in the repository's tree cache. A walk that reads each tree
   * once (`ls --recursive`) passes false, so it holds only the folders it is in.
   * @default true
   */
  readonly cache?: boolean;
}

/** Children of a directory node (empty for other nodes, and for a damaged one given `onDamage`). */
export async function children(repo: Repository, node: TreeNode, path = '', onDamage?: DamageListener, opts: WalkOptions = {}): Promise<readonly TreeNode[]> {
  const out: TreeNode[] = [];
  for await (const chunk of childChunks(repo, node, path, onDamage, opts)) for (const n of chunk) out.push(n);
  return out;
}

/**
 * Children of a directory node as node lists (one per part of a split folder), so a
 * large folder is never held whole; a damage stops the listing there, reported to
 * `onDamage` when given (thrown otherwise).
 */
export async function* childChunks(repo: Repository, node: TreeNode, path = '', onDamage?: DamageListener, opts: WalkOptions = {}): AsyncGenerator<readonly TreeNode[]> {
  if (node.type !== 'dir' || !node.subtree) return;
  yield* untilUnreadable(treeChunks(repo, node.subtree, opts), (err) => {
    if (!onDamage || !isDamage(err)) throw err;
    onDamage(path, err);
  });
}

/** Sibling directories whose trees `walk` reads ahead, per level. */
const READ_AHEAD = 4;

/**
 * Depth-first walk below `node` (pre-order, children sorted by name); `path` is the
 * node's own path. Yields the node itself first. While it is inside one directory, the
 * trees of the next few sibling directories are read ahead (READ_AHEAD per level), so
 * their reads overlap the caller's work; damage is still reported when the walk
 * reaches the directory. A split folder (format 3) is read one part at a time.
 */
export function walk(repo: Repository, node: TreeNode, path: string, onDamage?: DamageListener, opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  return walkFrom(repo, node, path, onDamage, opts, undefined);
}

async function* walkFrom(
  repo: Repository,
  node: TreeNode,
  path: string,
  onDamage: DamageListener | undefined,
  opts: WalkOptions,
  pending: Promise<StoredTree> | undefined,
): AsyncGenerator<WalkEntry> {
  yield { path, node };
  if (node.type !== 'dir' || !node.subtree) return;
  const id = node.subtree;
  const report = (err: unknown): void => {
    if (!onDamage || !isDamage(err)) throw err;
    onDamage(path, err);
  };
  let chunks: AsyncGenerator<readonly TreeNode[]>;
  try {
    chunks = storedChunks(repo, id, await (pending ?? repo.loadStoredTree(id, opts)));
  } catch (err) {
    report(err);
    return;
  }
  for await (const nodes of untilUnreadable(chunks, report)) {
    if (!uniqueNames(id, nodes, path, onDamage)) return;
    yield* walkChunk(repo, nodes, path, onDamage, opts);
  }
}

/** Whether no name repeats in `nodes` (one tree or one part); reports the tree otherwise. */
function uniqueNames(id: string, nodes: readonly TreeNode[], path: string, onDamage: DamageListener | undefined): boolean {
  const seen = new Set<string>();
  for (const child of nodes) {
    if (seen.has(child.name)) {
      const err = new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} names '${displayName(child.name)}' twice; refusing it`);
      if (!onDamage) throw err;
      onDamage(path, err);
      return false;
    }
    seen.add(child.name);
  }
  return true;
}

/** Walks the nodes of one tree (or one part), reading the next sibling folders' trees ahead. */
async function* walkChunk(
  repo: Repository,
  nodes: readonly TreeNode[],
  path: string,
  onDamage: DamageListener | undefined,
  opts: WalkOptions,
): AsyncGenerator<WalkEntry> {
  const ahead: { readonly index: number; readonly tree: Promise<StoredTree> }[] = [];
  let next = 0;
  for (let i = 0; i < nodes.length; i++) {
    for (; next < nodes.length && ahead.length < READ_AHEAD; next++) {
      const sub = nodes[next]?.type === 'dir' ? nodes[next]?.subtree : undefined;
      if (sub === undefined) continue;
      const p = repo.loadStoredTree(sub, opts);
      p.catch(() => undefined); // awaited (and its error handled) when the walk gets there
      ahead.push({ index: next, tree: p });
    }
    const child = nodes[i] as TreeNode;
    const mine = ahead[0]?.index === i ? ahead.shift()?.tree : undefined;
    yield* walkFrom(repo, child, path === '' ? child.name : `${path}/${child.name}`, onDamage, opts, mine);
  }
}
