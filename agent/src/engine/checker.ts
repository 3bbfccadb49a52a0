/**
 * Integrity check. Structure (always): every index file decodes, every indexed pack
 * exists, every snapshot decodes, every tree of the selected snapshots loads and every
 * chunk it names is indexed. Data (unless fast): every selected pack is read whole,
 * its name checked against its content, its header against the index, and every blob
 * decrypted, decompressed and hashed. Damage is reported per file and snapshot:
 * each damaged file (or directory whose listing cannot be read) is one error naming
 * its snapshot and path, so every file of a readable snapshot not named is intact.
 * A damaged index file is reported, and the packs only it named are re-indexed from
 * their headers, so intact data it listed is not blamed on the snapshots.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { DecodeError, decode } from './codec.js';
import { decodeHeader, headerRange, HEADER_AAD, PACK_MAGIC, PACK_PREFIX } from './pack.js';
import type { Progress, ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import type { SnapshotRecord } from './snapshot.js';
import type { TreeNode } from './tree.js';
import { storedChunks, untilUnreadable } from './tree-read.js';
import type { IndexedPack } from './index-file.js';
import type { FileInfo } from '../storage/backend.js';
import type { PackPool } from './pack-pool.js';
import { readPackHeader } from './pack-header.js';

/** Which packs to read. */
export type DataSubset = { kind: 'all' } | { kind: 'none' } | { kind: 'part'; n: number; m: number } | { kind: 'percent'; p: number };

/** Options of a check. */
export interface CheckOptions {
  readonly data: DataSubset;
  /** Snapshot ids to check; all when empty. */
  readonly snapshots: readonly SnapshotRecord[] | undefined;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** Verifies packs on worker threads; without it, on this thread. */
  readonly pool?: PackPool;
  /** Random source for percent subsets. @default Math.random */
  readonly random?: () => number;
  /** Told the readable snapshots whose trees the check walks (all, or `snapshots`). */
  readonly onSnapshots?: (snaps: readonly SnapshotRecord[]) => void;
}

/** A problem found. `severity` error makes the check fail. */
export interface CheckIssue {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** For a damaged file: the snapshot's id. */
  readonly snapshot?: string;
  /** For a damaged file: its path in the snapshot (no leading slash; a directory whose listing is damaged ends with '/'). */
  readonly path?: string;
  /** For a damaged store file: its kind and name, e.g. `index/ab12…`. */
  readonly file?: string;
}

/** Outcome of a check. */
export interface CheckResult {
  readonly issues: CheckIssue[];
  packsRead: number;
  bytesRead: number;
  snapshots: number;
  files: number;
  damagedFiles: number;
}

function selected(pack: string, s: DataSubset, random: () => number): boolean {
  switch (s.kind) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'part':
      return parseInt(pack.slice(0, 8), 16) % s.m === s.n - 1;
    case 'percent':
      return random() * 100 < s.p;
  }
}

/** Runs a check. */
export async function check(repo: Repository, opts: CheckOptions): Promise<CheckResult> {
  const res: CheckResult = { issues: [], packsRead: 0, bytesRead: 0, snapshots: 0, files: 0, damagedFiles: 0 };
  const err = (message: string, extra: Omit<CheckIssue, 'severity' | 'message'> = {}): void => void res.issues.push({ severity: 'error', message, ...extra });
  const where = repo.backend.location;
  const warn = (message: string): void => void res.issues.push({ severity: 'warning', message });
  const progress: Progress = { phase: 'check', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '', unit: 'packs' };

  // 1. Index files.
  const indexFiles = await repo.backend.list('index');
  const indexed = new Map<string, IndexedPack>();
  for (const f of indexFiles) {
    try {
      for (const p of await repo.readIndexFile(f.name)) {
        if (!indexed.has(p.pack)) indexed.set(p.pack, p);
        repo.index.addPacks([p]);
      }
    } catch (e) {
      const x = CofferError.from(e);
      if (x.code === ErrorCode.NotFound) continue; // removed meanwhile
      err(`${x.message}; run 'coffer at ${where} repair index'`, { file: `index/${f.name}` });
    }
  }

  // 2. Packs present vs indexed.
  const packFiles = new Map<string, FileInfo>((await repo.backend.list('data')).map((f) => [f.name, f]));
  const badBlobs = new Map<string, string>();
  for (const [pack, p] of indexed) {
    if (packFiles.has(pack)) continue;
    err(`pack ${pack.slice(0, 12)} is missing (named by an index)`, { file: `data/${pack}` });
    for (const e of p.entries) badBlobs.set(e.id.toString('hex'), `its pack ${pack.slice(0, 12)} is missing`);
  }
  // Packs no readable index names: indexed from their own headers (as readers do).
  const orphans = new Set<string>();
  for (const [pack, f] of packFiles) {
    if (indexed.has(pack)) continue;
    try {
      const p = { pack, entries: await readPackHeader(repo, pack, f.size) };
      indexed.set(pack, p);
      repo.index.addPacks([p]);
      orphans.add(pack);
    } catch (e) {
      warn(`pack ${pack.slice(0, 12)} is not indexed and cannot be read (${CofferError.from(e).message}); maintenance removes it`);
    }
  }
  repo.markIndexLoaded();

  // 3. Data.
  const random = opts.random ?? Math.random;
  const toRead = [...indexed.values()].filter((p) => packFiles.has(p.pack) && selected(p.pack, opts.data, random));
  progress.totalBytes = toRead.reduce((s, p) => s + (packFiles.get(p.pack)?.size ?? 0), 0);
  progress.totalFiles = toRead.length;
  const inflight = new Set<Promise<void>>();
  for (const p of toRead) {
    if (opts.signal?.aborted) break;
    progress.current = `data/${p.pack.slice(0, 12)}`;
    const mark = (reason: string): void => {
      for (const e of p.entries) badBlobs.set(e.id.toString('hex'), reason);
    };
    let file: Buffer;
    try {
      file = await repo.backend.load('data', p.pack);
    } catch (e) {
      if (opts.signal?.aborted) break;
      err(`pack ${p.pack.slice(0, 12)}: ${CofferError.from(e).message}`, { file: `data/${p.pack}` });
      mark('its pack cannot be read');
      continue;
    }
    res.packsRead++;
    res.bytesRead += file.length;
    progress.bytes += file.length;
    progress.files++;
    if (file.length < PACK_PREFIX + 4 || !file.subarray(0, PACK_PREFIX).equals(PACK_MAGIC)) {
      err(`pack ${p.pack.slice(0, 12)} is damaged: bad magic`, { file: `data/${p.pack}` });
    } else {
      try {
        const hr = headerRange(file, file.length);
        const header = decodeHeader(decode(repo.codec, file.subarray(hr.offset, hr.offset + hr.length), HEADER_AAD));
        if (header.length !== p.entries.length) err(`pack ${p.pack.slice(0, 12)}: header lists ${header.length} blobs, the index ${p.entries.length}`, { file: `data/${p.pack}` });
      } catch (e) {
        err(`pack ${p.pack.slice(0, 12)}: header is damaged (${e instanceof DecodeError ? e.message : CofferError.from(e).message})`, { file: `data/${p.pack}` });
      }
    }
    if (opts.pool) {
      const job = opts.pool
        .verify(p.pack, file, p.entries.map((e) => ({ type: e.type, id: e.id.toString('hex'), offset: e.offset, length: e.length })))
        .then((r) => {
          if (!r.nameOk) err(`pack ${p.pack.slice(0, 12)} is damaged: its content does not match its name`, { file: `data/${p.pack}` });
          for (const b of r.bad) badBlobs.set(b.id, `blob ${b.id.slice(0, 12)} in pack ${p.pack.slice(0, 12)} is damaged (${b.reason})`);
        });
      const tracked: Promise<void> = job.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      while (inflight.size >= 2) await Promise.race(inflight);
    } else {
      if (!repo.idOf(file).equals(Buffer.from(p.pack, 'hex'))) err(`pack ${p.pack.slice(0, 12)} is damaged: its content does not match its name`, { file: `data/${p.pack}` });
      for (const e of p.entries) {
        const id = e.id.toString('hex');
        if (e.offset + e.length > file.length) {
          badBlobs.set(id, 'its pack is truncated');
          continue;
        }
        try {
          repo.decodeBlob(e.type, id, file.subarray(e.offset, e.offset + e.length), p.pack);
        } catch (x) {
          badBlobs.set(id, CofferError.from(x).message);
        }
      }
    }
    opts.progress?.(progress);
  }
  await Promise.all(inflight);
  for (const [id, reason] of badBlobs) if (!reason.startsWith('its pack')) err(`blob ${id.slice(0, 12)}: ${reason}`);

  // 4. Snapshots and trees.
  let snaps: SnapshotRecord[];
  if (opts.snapshots && opts.snapshots.length > 0) snaps = [...opts.snapshots];
  else {
    snaps = await repo.listSnapshots((id, e) =>
      err(`${e.message}; remove it with 'coffer at ${where} rm --apply ${id.slice(0, 12)}' or run 'repair snapshots --apply'`, { file: `snapshots/${id}` }),
    );
  }
  opts.onSnapshots?.(snaps);
  const usedOrphans = new Set<string>();
  const lost = (id: string): boolean => {
    const loc = repo.index.get(id);
    if (loc && orphans.has(loc.pack)) usedOrphans.add(loc.pack);
    return badBlobs.has(id) || !loc;
  };
  const memo = new Map<string, TreeScan>();
  const scan = async (id: string): Promise<TreeScan> => {
    const hit = memo.get(id);
    if (hit) return hit;
    const out: TreeScan = { files: 0, damaged: [] };
    let chunks: AsyncGenerator<readonly TreeNode[]>;
    try {
      if (lost(id)) throw new Error(badBlobs.get(id) ?? 'missing');
      const stored = await repo.loadStoredTree(id);
      // A split tree's parts: every one must be there and readable.
      for (const p of stored.parts ?? []) if (lost(p.id)) throw new Error(badBlobs.get(p.id) ?? 'missing');
      chunks = storedChunks(repo, id, stored);
    } catch {
      out.damaged.push('');
      memo.set(id, out);
      return out;
    }
    // A part that cannot be read: the rest of the folder is unknown.
    for await (const nodes of untilUnreadable(chunks, () => out.damaged.push(''))) {
      for (const n of nodes) {
        if (n.type === 'dir' && n.subtree) {
          const sub = await scan(n.subtree);
          out.files += sub.files;
          for (const d of sub.damaged) out.damaged.push(`${n.name}/${d}`);
        } else if (n.type === 'file') {
          out.files++;
          if ((n.content ?? []).some(lost)) out.damaged.push(n.name);
        }
      }
    }
    memo.set(id, out);
    return out;
  };
  for (const s of snaps) {
    res.snapshots++;
    const root = s.snapshot.root;
    let r: TreeScan;
    if (root.type === 'dir' && root.subtree) r = await scan(root.subtree);
    else if (root.type === 'file') r = { files: 1, damaged: (root.content ?? []).some(lost) ? [root.name] : [] };
    else r = { files: 0, damaged: [] };
    res.files += r.files;
    res.damagedFiles += r.damaged.length;
    for (const f of r.damaged) {
      const what = f === '' || f.endsWith('/') ? `/${f} (its directory listing cannot be read)` : `/${f} is damaged or has missing data`;
      err(`snapshot ${s.id.slice(0, 8)}: ${what}`, { snapshot: s.id, path: f });
    }
  }
  for (const pack of usedOrphans) {
    err(`pack ${pack.slice(0, 12)} holds data of snapshots but no readable index file names it (an index file is damaged or missing); run 'coffer at ${where} repair index'`, { file: `data/${pack}` });
  }
  for (const pack of orphans) {
    if (!usedOrphans.has(pack)) warn(`pack ${pack.slice(0, 12)} is not indexed (left by an interrupted backup; the next backup reuses it, maintenance removes it)`);
  }
  opts.progress?.({ ...progress, phase: 'done' });
  return res;
}

interface TreeScan {
  files: number;
  /** Damaged file paths; a directory whose listing cannot be read ends with '/' ('' for the scanned tree itself). */
  damaged: string[];
}
