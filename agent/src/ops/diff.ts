/**
 * StoreService.Diff: what changed between two snapshots under a path. `a` empty means
 * the parent of `b` (its recorded parent when the store still holds it, else the
 * previous snapshot of the same source; none: everything in `b` is added). A path on
 * one side only compares with nothing there. Changes come in path order, recursively
 * through the folders both sides hold (engine/differ.ts: an added or removed folder is
 * one change, drilled into by diffing its path); `limit` (0: 1000, at most 20,000) cuts
 * the list (`truncated`); folders whose listing cannot be read are listed in `damaged`
 * and skipped.
 */
import { status } from '@grpc/grpc-js';
import type { CofferError } from '@coffer/shared/errors.js';
import type { DiffEntry, DiffRequest, DiffResponse, EntryErrorInfo } from '@coffer/shared/gen/coffer/v1/store.js';
import { invalidRpc, notFoundRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { type Change, diffNodes } from '../engine/differ.js';
import { displayName } from '../engine/raw-name.js';
import type { Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import type { TreeNode } from '../engine/tree.js';
import type { DamageListener } from '../engine/tree-walk.js';
import { limitField, pathField, snapshotSource, throwIfAborted } from './fields.js';
import { lookupPath } from './history.js';
import type { OpenStore } from './open-store.js';
import { treeEntry } from './tree-entry.js';

const KINDS: Record<Change['kind'], string> = { '+': 'added', '-': 'removed', M: 'changed', T: 'changed' };

/** The snapshot `b` is compared with when no `a` is given, or undefined when it has none. */
export async function parentOf(store: OpenStore, b: SnapshotRecord): Promise<SnapshotRecord | undefined> {
  const snaps = await store.snapshots();
  const recorded = b.snapshot.parent !== undefined ? snaps.find((s) => s.id === b.snapshot.parent) : undefined;
  if (recorded) return recorded;
  const at = snaps.findIndex((s) => s.id === b.id);
  for (let i = (at < 0 ? snaps.length : at) - 1; i >= 0; i--) {
    const s = snaps[i] as SnapshotRecord;
    if (snapshotSource(s) === snapshotSource(b)) return s;
  }
  return undefined;
}

/**
 * The changes from `a` to `b` (either may be absent), found at `base` in their
 * snapshots: a node on one side only is one change; folders are compared entry by entry.
 */
export async function* changesBetween(repo: Repository, a: TreeNode | undefined, b: TreeNode | undefined, base: string, onDamage?: DamageListener): AsyncGenerator<Change> {
  if (a && b) {
    yield* diffNodes(repo, a, b, base, onDamage);
    return;
  }
  const only = (a ?? b) as TreeNode;
  if (only.type !== 'dir') {
    yield a ? { kind: '-', path: base, before: a, content: true, metadata: false } : { kind: '+', path: base, after: only, content: true, metadata: false };
    return;
  }
  // A folder on one side only: its entries against an empty folder.
  const { subtree: _s, ...empty } = only;
  yield* diffNodes(repo, a ?? empty, b ?? empty, base, onDamage);
}

/** A change as a DiffEntry. */
export function diffEntry(c: Change): DiffEntry {
  return {
    path: displayName(c.path),
    kind: KINDS[c.kind],
    type: (c.after ?? c.before)?.type ?? '',
    contentChanged: c.content,
    metadataChanged: c.metadata,
    before: c.before ? treeEntry(c.before) : undefined,
    after: c.after ? treeEntry(c.after) : undefined,
  };
}

/** The node at `path` of a snapshot, undefined when absent; DATA_LOSS when a folder on the way cannot be read. */
export async function nodeAt(repo: Repository, s: SnapshotRecord, path: string): Promise<TreeNode | undefined> {
  const found = await lookupPath(repo, s.snapshot.root, path);
  if (found === 'damaged') {
    throw new RpcError(status.DATA_LOSS, `a folder on the way to /${displayName(path)} in snapshot ${s.id.slice(0, 8)} cannot be read; run a check of the store`);
  }
  return found === 'absent' ? undefined : found;
}

/** The two snapshots of a request with two sides (`a` '' : the parent of `b`). */
export async function snapshotPair(store: OpenStore, req: { a: string; b: string }): Promise<{ a: SnapshotRecord | undefined; b: SnapshotRecord }> {
  if (req.b === '') throw invalidRpc('b', 'name the snapshot to compare (an id or unique prefix)');
  const b = await store.snapshot(req.b);
  return { a: req.a === '' ? await parentOf(store, b) : await store.snapshot(req.a), b };
}

export async function diff(store: OpenStore, req: DiffRequest, ctx: CallContext): Promise<DiffResponse> {
  const path = pathField('path', req.path);
  const limit = limitField(req.limit, 1000, 20_000);
  const { a, b } = await snapshotPair(store, req);
  const na = a ? await nodeAt(store.repo, a, path) : undefined;
  const nb = await nodeAt(store.repo, b, path);
  if (!na && !nb) throw notFoundRpc('path', `/${displayName(path)}`, `neither snapshot holds it`);
  const entries: DiffEntry[] = [];
  const damaged: EntryErrorInfo[] = [];
  const onDamage = (p: string, err: CofferError): void => void damaged.push({ path: displayName(p), error: err.message });
  let truncated = false;
  for await (const c of changesBetween(store.repo, na, nb, path, onDamage)) {
    throwIfAborted(ctx.signal, 'diff');
    if (entries.length === limit) {
      truncated = true;
      break;
    }
    entries.push(diffEntry(c));
  }
  return { a: a?.id ?? '', b: b.id, entries, truncated, damaged };
}
