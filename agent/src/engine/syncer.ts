/**
 * Copies snapshots into another store, which has its own keys (and possibly its own
 * passphrase): every chunk is read and re-identified with the target's id key, and
 * only chunks the target lacks are written. Trees are rewritten with the new ids.
 * A snapshot already copied (same origin id) is skipped. A snapshot with names that are
 * not UTF-8 cannot be copied into a store of format 1 (encodeTree refuses them). A
 * large folder is copied part by part, and split in the target when its format allows
 * (joined into one tree otherwise).
 */
import { BlobType } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { encodeSnapshot, SNAPSHOT_AAD, type SnapshotRecord } from './snapshot.js';
import { encodeTree, storesRawNames, type TreeNode } from './tree.js';
import { TreeBuilder, type TreeSink } from './tree-builder.js';
import { compareNameBytes, partsCount, SPLIT_ABOVE, storesSplitTrees } from './tree-parts.js';
import { storedChunks } from './tree-read.js';

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
    const stored = await src.loadStoredTree(id, { cache: false });
    const count = stored.parts ? partsCount(stored.parts) : stored.nodes.length;
    const builder = new TreeBuilder(sink, storesSplitTrees(dst.config.version) && count > SPLIT_ABOVE);
    // A format-1 tree is in UTF-16 order; a split tree needs the order of the names' bytes.
    const inOrder = (nodes: readonly TreeNode[]): readonly TreeNode[] =>
      builder.split && !storesRawNames(src.config.version) ? [...nodes].sort((a, b) => compareNameBytes(a.name, b.name)) : nodes;
    for await (const chunk of storedChunks(src, id, stored)) {
      for (const n of inOrder(chunk)) await builder.add(await copyNode(n));
    }
    const nid = await builder.finish();
    treeMap.set(id, nid);
    return nid;
  };
  const saveTreeBlob = async (bytes: Buffer): Promise<string> => {
    const own = owned(bytes);
    const nid = dst.idOf(own);
    await writer.addBlob(BlobType.Tree, nid, own);
    await writer.checkpoint();
    return nid.toString('hex');
  };
  const sink: TreeSink = {
    saveNodes: (nodes) => saveTreeBlob(encodeTree({ nodes }, dst.config.version)),
    saveSplit: saveTreeBlob,
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
