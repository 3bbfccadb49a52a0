/**
 * Copies snapshots into another store, which has its own keys (and possibly its own
 * passphrase): every chunk is read and re-identified with the target's id key, and
 * only chunks the target lacks are written. Trees are rewritten with the new ids.
 * A snapshot already copied (same origin id) is skipped. A snapshot with names that are
 * not UTF-8 cannot be copied into a store of format 1 (encodeTree refuses them).
 */
import { BlobType } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { encodeSnapshot, SNAPSHOT_AAD, type SnapshotRecord } from './snapshot.js';
import { encodeTree, type TreeNode } from './tree.js';

function owned(b: Buffer): Buffer {
  const o = Buffer.allocUnsafeSlow(b.length);
  b.copy(o);
  return o;
}

/** Copies one snapshot; returns the new record. */
export async function syncSnapshot(src: Repository, dst: Repository, writer: RepoWriter, rec: SnapshotRecord): Promise<SnapshotRecord> {
  const treeMap = new Map<string, string>();
  const chunkMap = new Map<string, string>();
  const copyNode = async (n: TreeNode): Promise<TreeNode> => {
    if (n.type === 'dir' && n.subtree) return { ...n, subtree: await copyTree(n.subtree) };
    if (n.type === 'file' && n.content) {
      const content: string[] = [];
      for (const id of n.content) {
        let nid = chunkMap.get(id);
        if (!nid) {
          const data = owned(await src.loadBlob(BlobType.Data, id));
          const idb = dst.idOf(data);
          nid = idb.toString('hex');
          await writer.addBlob(BlobType.Data, idb, data);
          chunkMap.set(id, nid);
        }
        content.push(nid);
      }
      return { ...n, content };
    }
    return n;
  };
  const copyTree = async (id: string): Promise<string> => {
    const hit = treeMap.get(id);
    if (hit) return hit;
    const tree = await src.loadTree(id);
    const nodes: TreeNode[] = [];
    for (const n of tree.nodes) nodes.push(await copyNode(n));
    const bytes = owned(encodeTree({ nodes }, dst.config.version));
    const nid = dst.idOf(bytes);
    await writer.addBlob(BlobType.Tree, nid, bytes);
    await writer.checkpoint();
    treeMap.set(id, nid.toString('hex'));
    return nid.toString('hex');
  };
  const root = await copyNode(rec.snapshot.root);
  await writer.flush();
  const { parent: _parent, ...rest } = rec.snapshot;
  const snap = { ...rest, root, copiedFrom: rec.snapshot.copiedFrom ?? { store: src.config.id, id: rec.id } };
  const id = await dst.saveFile('snapshot', encodeSnapshot(snap), SNAPSHOT_AAD);
  return { id, snapshot: snap };
}

/** Whether `dstSnaps` already hold a copy of `rec`. */
export function alreadyCopied(rec: SnapshotRecord, srcStore: string, dstSnaps: readonly SnapshotRecord[]): boolean {
  const origin = rec.snapshot.copiedFrom ?? { store: srcStore, id: rec.id };
  return dstSnaps.some(
    (d) => (d.snapshot.copiedFrom?.id === origin.id && d.snapshot.copiedFrom.store === origin.store) || d.id === rec.id,
  );
}
