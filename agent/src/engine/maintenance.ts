/**
 * Maintenance: frees the space of data no snapshot references. Under an exclusive
 * lock (taken by the caller) it finds, from every snapshot's trees, which blobs are
 * in use. Packs with no used blob are condemned (recorded with the time in the new
 * index) and deleted once condemned for longer than the grace period; packs mostly
 * unused are repacked (used blobs copied as stored, without decoding) and condemned
 * too, from the time of the repack: every pack this run makes unused stays (indexed)
 * for the grace period, so that a reader that loaded the index before the run (and
 * holds no lock) can still read from it. A used blob counts in a pack that is not
 * condemned when there is one (a repacked pack's blobs count in their new pack), so a
 * repacked pack is unused in the next runs and goes once its grace has passed.
 * Unindexed packs older than the grace period are deleted too.
 * Order, for crash safety: new packs, then the new consolidated index, then the old
 * index files are removed, and only then packs. A crash at any point leaves a valid store.
 * On a full disk (a repack cannot be written) the packs no snapshot uses are deleted
 * first, the repack is left for a later run, and the small index is written after; the
 * old index files may name the deleted (unused) packs until then, which the next run drops.
 * Refuses to delete anything when a snapshot, tree or index file cannot be read; a pack
 * no index names that holds data in use is indexed again rather than deleted.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { encodeIndex, INDEX_AAD, type Condemned, type IndexedPack, decodeIndexFull } from './index-file.js';
import { BlobType } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { storedChunks, untilUnreadable } from './tree-read.js';

/** Options of a maintenance run. */
export interface MaintenanceOptions {
  readonly graceMs: number;
  readonly nowMs: number;
  /** Repack a pack once this fraction of its bytes is unused. @default 0.5 */
  readonly repackThreshold?: number;
  readonly log?: (line: string) => void;
}

/** What maintenance did. */
export interface MaintenanceResult {
  usedBlobs: number;
  packsDeleted: number;
  bytesFreed: number;
  packsRepacked: number;
  condemned: number;
  indexFilesReplaced: number;
  /** The disk was full: unused packs were deleted first and nothing was repacked. */
  diskFull: boolean;
}

/** Runs maintenance. The caller holds an exclusive lock. */
export async function maintain(repo: Repository, writer: RepoWriter, opts: MaintenanceOptions): Promise<MaintenanceResult> {
  const res: MaintenanceResult = { usedBlobs: 0, packsDeleted: 0, bytesFreed: 0, packsRepacked: 0, condemned: 0, indexFilesReplaced: 0, diskFull: false };
  const log = opts.log ?? ((): void => undefined);
  const threshold = opts.repackThreshold ?? 0.5;

  // 1. All index files, with earlier condemnations.
  const indexNames = (await repo.backend.list('index')).map((f) => f.name);
  const packs = new Map<string, IndexedPack>();
  const condemnedSince = new Map<string, number>();
  const where = repo.backend.location;
  const refuse = (what: string, err: unknown, fix: string): CofferError =>
    new CofferError(ErrorCode.Corrupt, `${what} cannot be read (${CofferError.from(err).message}); maintenance deletes nothing until it is fixed: run 'coffer at ${where} ${fix}'`);
  for (const name of indexNames) {
    let decoded: ReturnType<typeof decodeIndexFull>;
    try {
      decoded = decodeIndexFull(await repo.loadFile('index', name, INDEX_AAD));
    } catch (err) {
      throw refuse(`index file ${name.slice(0, 12)}`, err, 'repair index');
    }
    const { packs: ps, condemned } = decoded;
    for (const p of ps) if (!packs.has(p.pack)) packs.set(p.pack, p);
    for (const c of condemned) condemnedSince.set(c.pack, Math.min(c.since, condemnedSince.get(c.pack) ?? Infinity));
    repo.index.addPacks(ps);
  }
  // Packs no index file names (an interrupted backup's, or a lost index file's), so that
  // trees in them are found and the index files are not read again by loadTree.
  await repo.indexOrphans();

  // 2. Blobs in use (a damaged snapshot or tree aborts: we would not know what it uses).
  const used = new Set<string>();
  const visit = async (treeId: string, snap: string): Promise<void> => {
    if (used.has(treeId)) return;
    used.add(treeId);
    const damaged = (err: unknown): CofferError => refuse(`tree ${treeId.slice(0, 12)} of snapshot ${snap.slice(0, 8)}`, err, 'repair snapshots --apply');
    let chunks;
    try {
      const stored = await repo.loadStoredTree(treeId);
      for (const p of stored.parts ?? []) used.add(p.id); // a split tree's parts are blobs in use too
      chunks = storedChunks(repo, treeId, stored);
    } catch (err) {
      throw damaged(err);
    }
    for await (const nodes of untilUnreadable(chunks, (err) => {
      throw damaged(err);
    })) {
      for (const n of nodes) {
        if (n.type === 'dir' && n.subtree) await visit(n.subtree, snap);
        else if (n.type === 'file') for (const c of n.content ?? []) used.add(c);
      }
    }
  };
  const snaps = await repo.listSnapshots((id, e) => {
    throw refuse(`snapshot file ${id.slice(0, 12)}`, e, `repair snapshots --apply' (or 'rm --apply ${id.slice(0, 12)}`);
  });
  for (const s of snaps) {
    const r = s.snapshot.root;
    if (r.type === 'dir' && r.subtree) await visit(r.subtree, s.id);
    else if (r.type === 'file') for (const c of r.content ?? []) used.add(c);
  }
  res.usedBlobs = used.size;
  // A pack no index file names that holds data in use (its index file was lost) is
  // indexed again from its header, never deleted.
  for (const p of repo.orphanPacks) {
    if (!packs.has(p.pack) && p.entries.some((e) => used.has(e.id.toString('hex')))) packs.set(p.pack, p);
  }

  // 3. Classify packs. A blob counts as used only in the pack the master index points to.
  const files = new Map((await repo.backend.list('data')).map((f) => [f.name, f]));
  const toDelete: string[] = [];
  const keep: IndexedPack[] = [];
  const repack: IndexedPack[] = [];
  const condemnedNow: Condemned[] = [];
  const owner = ownerOfBlobs(repo, packs, used, (pack) => files.has(pack) && !condemnedSince.has(pack));
  for (const p of packs.values()) {
    if (!files.has(p.pack)) continue; // already gone: drop from the index
    let usedBytes = 0;
    let total = 0;
    for (const e of p.entries) {
      total += e.length;
      const id = e.id.toString('hex');
      if (used.has(id) && owner(id) === p.pack) usedBytes += e.length;
    }
    const old = (files.get(p.pack)?.mtimeMs ?? 0) <= opts.nowMs - opts.graceMs;
    if (usedBytes === 0) {
      const since = condemnedSince.get(p.pack) ?? opts.nowMs;
      if (opts.nowMs - since >= opts.graceMs) toDelete.push(p.pack);
      else {
        condemnedNow.push({ pack: p.pack, since });
        keep.push(p);
      }
    } else if (old && total > 0 && 1 - usedBytes / total >= threshold) repack.push(p);
    else keep.push(p);
  }
  for (const [name, f] of files) {
    if (!packs.has(name) && f.mtimeMs <= opts.nowMs - opts.graceMs) toDelete.push(name);
  }
  // Repacks write before anything is deleted. On a full disk they give way: the packs no
  // snapshot uses are deleted first (to make room), the others stay as they are.
  const full = await repackAll(repo, writer, repack, used, owner);
  if (full) {
    res.diskFull = true;
    keep.push(...repack);
    log(`the store's disk is full: deleting the ${toDelete.length} unused packs first, repacking nothing this run`);
    await deletePacks(repo, toDelete, files, keepOf(keep), res, log);
    toDelete.length = 0;
  } else {
    for (const p of repack) {
      res.packsRepacked++;
      // Unused from now on: like any unused pack, kept for the grace period (none with --grace 0).
      if (opts.graceMs <= 0) toDelete.push(p.pack);
      else {
        condemnedNow.push({ pack: p.pack, since: opts.nowMs });
        keep.push(p);
      }
    }
  }
  res.condemned = condemnedNow.length;

  // 4. New packs and index first, then remove old index files, then packs.
  const keepIds = keepOf(keep);
  let fresh: string;
  try {
    fresh = await repo.saveFile('index', encodeIndex(keep, condemnedNow), INDEX_AAD);
  } catch (err) {
    if (!(err instanceof CofferError) || err.code !== ErrorCode.NoSpace) throw err;
    const what = full ? `it deleted ${res.packsDeleted} unused packs (${res.bytesFreed} bytes) but` : 'it';
    throw new CofferError(ErrorCode.NoSpace, `the store's disk is full: ${what} cannot write the new index; free some space where the store is${opts.graceMs > 0 ? ", or run maintenance with '--grace 0' to delete unused data now," : ''} and run maintenance again`, { cause: err });
  }
  for (const name of indexNames) {
    if (name === fresh || writer.indexFiles.includes(name)) continue;
    await repo.backend.remove('index', name);
    res.indexFilesReplaced++;
  }
  await deletePacks(repo, toDelete, files, keepIds, res, log);
  return res;
}

function keepOf(keep: readonly IndexedPack[]): Set<string> {
  return new Set(keep.map((p) => p.pack));
}

/** Deletes packs (never one in `keepIds`), counting what is freed. */
async function deletePacks(repo: Repository, names: readonly string[], files: ReadonlyMap<string, { readonly size: number }>, keepIds: ReadonlySet<string>, res: MaintenanceResult, log: (line: string) => void): Promise<void> {
  for (const name of names) {
    if (keepIds.has(name)) continue;
    const size = files.get(name)?.size ?? 0;
    await repo.backend.remove('data', name);
    res.packsDeleted++;
    res.bytesFreed += size;
    log(`deleted pack ${name.slice(0, 12)}`);
  }
}

/**
 * Copies the used blobs of `packs` into new packs (as stored, checked first) and writes
 * them out. Resolves true when the store's disk filled up meanwhile (nothing repacked
 * is relied on then: the new packs are not indexed, and their originals stay).
 */
async function repackAll(repo: Repository, writer: RepoWriter, packs: readonly IndexedPack[], used: ReadonlySet<string>, owner: (id: string) => string | undefined): Promise<boolean> {
  try {
    for (const p of packs) {
      const file = await repo.backend.load('data', p.pack);
      for (const e of p.entries) {
        const id = e.id.toString('hex');
        if (!used.has(id) || owner(id) !== p.pack) continue;
        repo.decodeBlob(e.type, id, file.subarray(e.offset, e.offset + e.length), p.pack);
        await writer.addEncoded(e.type === BlobType.Tree ? BlobType.Tree : BlobType.Data, e.id, Buffer.from(file.subarray(e.offset, e.offset + e.length)), e.rawLength, true);
      }
    }
    await writer.flush();
    return false;
  } catch (err) {
    if (err instanceof CofferError && err.code === ErrorCode.NoSpace) return true;
    throw err;
  }
}

/**
 * Where each used blob counts: its master-index location, unless that pack is not
 * `live` (condemned, or missing) and a live pack holds the blob too.
 */
function ownerOfBlobs(repo: Repository, packs: ReadonlyMap<string, IndexedPack>, used: ReadonlySet<string>, live: (pack: string) => boolean): (id: string) => string | undefined {
  const liveHolder = new Map<string, string>();
  for (const p of packs.values()) {
    if (!live(p.pack)) continue;
    for (const e of p.entries) {
      const id = e.id.toString('hex');
      if (used.has(id) && !liveHolder.has(id)) liveHolder.set(id, p.pack);
    }
  }
  return (id) => {
    const at = repo.index.get(id)?.pack;
    return at !== undefined && live(at) ? at : liveHolder.get(id) ?? at;
  };
}
