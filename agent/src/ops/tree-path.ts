/**
 * Finding the paths of requests in a snapshot (the path checked by fields.ts pathField:
 * `..` parts and NULs are INVALID_ARGUMENT naming the field). A part names an entry by its name or, when none has that name, by its
 * display form (`\xHH` for bytes that are not UTF-8, as `coffer ls` and the API show
 * them). Unknown paths are NOT_FOUND naming path and snapshot; a folder on the way whose
 * listing cannot be read is DATA_LOSS naming it.
 */
import { status } from '@grpc/grpc-js';
import { invalidRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import { displayName } from '../engine/raw-name.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { isDamage, type WalkEntry } from '../engine/tree-walk.js';
import type { TreeNode } from '../engine/tree.js';
import { pathField } from './fields.js';
import type { OpenStore } from './open-store.js';

/** DATA_LOSS for the listing of folder `path` of `snap` that cannot be read. */
export function damagedFolder(snap: SnapshotRecord, path: string, err: Error): RpcError {
  return new RpcError(status.DATA_LOSS, `the listing of /${displayName(path)} in snapshot ${snap.id.slice(0, 8)} cannot be read (${err.message}); run 'check'`);
}

/** Loads the children of a folder node; damage is DATA_LOSS naming the folder. */
export async function folderNodes(store: OpenStore, snap: SnapshotRecord, node: TreeNode, path: string): Promise<readonly TreeNode[]> {
  if (node.type !== 'dir' || !node.subtree) return [];
  try {
    return (await store.repo.loadTree(node.subtree)).nodes;
  } catch (err) {
    if (isDamage(err)) throw damagedFolder(snap, path, err);
    throw err;
  }
}

/** The entry at request path `path` (already normalised) in `snap`, with its path spelled by the names themselves. */
export async function findPath(store: OpenStore, snap: SnapshotRecord, path: string): Promise<WalkEntry> {
  let node = snap.snapshot.root;
  if (path === '') return { path, node };
  const names: string[] = [];
  for (const part of path.split('/')) {
    const notFound = new RpcError(status.NOT_FOUND, `'/${path}' does not exist in snapshot ${snap.id.slice(0, 8)}; list its folders to find it`);
    if (node.type !== 'dir') throw notFound;
    const nodes = await folderNodes(store, snap, node, names.join('/'));
    const next = nodes.find((n) => n.name === part) ?? nodes.find((n) => displayName(n.name) === part);
    if (!next) throw notFound;
    node = next;
    names.push(next.name);
  }
  return { path: names.join('/'), node };
}

/** Resolves snapshot reference and request path of a request in one step. */
export async function resolveRequest(store: OpenStore, snapshot: string, path: string, field = 'path'): Promise<{ snap: SnapshotRecord; entry: WalkEntry }> {
  if (snapshot === '') throw invalidRpc('snapshot', "give a snapshot id, a unique prefix of one, or 'latest'");
  const p = pathField(field, path);
  const snap = await store.snapshot(snapshot);
  return { snap, entry: await findPath(store, snap, p) };
}
