/**
 * Integrity check. Structure (always): every index file decodes, every indexed pack
 * exists, every snapshot decodes, every tree of the selected snapshots loads and every
 * chunk it names is indexed. Data (unless fast): every selected pack is read whole,
 * its name checked against its content, its header against the index, and every blob
 * decrypted, decompressed and hashed. Damage is reported per file and snapshot.
 */
import { CofferError } from '@coffer/shared/errors.js';
import { DecodeError, decode } from './codec.js';
import { decodeHeader, headerRange, HEADER_AAD, PACK_MAGIC, PACK_PREFIX } from './pack.js';
import type { Progress, ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import type { SnapshotRecord } from './snapshot.js';
import type { TreeNode } from './tree.js';
import type { IndexedPack } from './index-file.js';
import type { FileInfo } from '../storage/backend.js';
import type { PackPool } from './pack-pool.js';

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
}

/** A problem found. `severity` error makes the check fail. */
export interface CheckIssue {
  readonly severity: 'error' | 'warning';
  readonly message: string;
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
  const err = (message: string): void => void res.issues.push({ severity: 'error', message });
  const warn = (message: string): void => void res.issues.push({ severity: 'warning', message });
  const progress: Progress = { phase: 'check', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };

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
      err(`index file ${f.name.slice(0, 12)}: ${CofferError.from(e).message}`);
    }
  }

  // 2. Packs present vs indexed.
  const packFiles = new Map<string, FileInfo>((await repo.backend.list('data')).map((f) => [f.name, f]));
  const badBlobs = new Map<string, string>();
  for (const [pack, p] of indexed) {
    if (packFiles.has(pack)) continue;
    err(`pack ${pack.slice(0, 12)} is missing (named by an index)`);
    for (const e of p.entries) badBlobs.set(e.id.toString('hex'), `its pack ${pack.slice(0, 12)} is missing`);
  }
  for (const pack of packFiles.keys()) {
    if (!indexed.has(pack)) warn(`pack ${pack.slice(0, 12)} is not indexed (left by an interrupted backup; the next backup reuses it, maintenance removes it)`);
  }

  // 3. Data.
  const random = opts.random ?? Math.random;
  const toRead = [...indexed.values()].filter((p) => packFiles.has(p.pack) && selected(p.pack, opts.data, random));
  progress.totalBytes = toRead.reduce((s, p) => s + (packFiles.get(p.pack)?.size ?? 0), 0);
  progress.totalFiles = toRead.length;
  const inflight = new Set<Promise<void>>();
  for (const p of toRead) {
    if (opts.signal?.aborted) break;
    progress.current = p.pack;
    const mark = (reason: string): void => {
      for (const e of p.entries) badBlobs.set(e.id.toString('hex'), reason);
    };
    let file: Buffer;
    try {
      file = await repo.backend.load('data', p.pack);
    } catch (e) {
      err(`pack ${p.pack.slice(0, 12)}: ${CofferError.from(e).message}`);
      mark('its pack cannot be read');
      continue;
    }
    res.packsRead++;
    res.bytesRead += file.length;
    progress.bytes += file.length;
    progress.files++;
    if (file.length < PACK_PREFIX + 4 || !file.subarray(0, PACK_PREFIX).equals(PACK_MAGIC)) {
      err(`pack ${p.pack.slice(0, 12)} is damaged: bad magic`);
    } else {
      try {
        const hr = headerRange(file, file.length);
        const header = decodeHeader(decode(repo.codec, file.subarray(hr.offset, hr.offset + hr.length), HEADER_AAD));
        if (header.length !== p.entries.length) err(`pack ${p.pack.slice(0, 12)}: header lists ${header.length} blobs, the index ${p.entries.length}`);
      } catch (e) {
        err(`pack ${p.pack.slice(0, 12)}: header is damaged (${e instanceof DecodeError ? e.message : CofferError.from(e).message})`);
      }
    }
    if (opts.pool) {
      const job = opts.pool
        .verify(p.pack, file, p.entries.map((e) => ({ type: e.type, id: e.id.toString('hex'), offset: e.offset, length: e.length })))
        .then((r) => {
          if (!r.nameOk) err(`pack ${p.pack.slice(0, 12)} is damaged: its content does not match its name`);
          for (const b of r.bad) badBlobs.set(b.id, `blob ${b.id.slice(0, 12)} in pack ${p.pack.slice(0, 12)} is damaged (${b.reason})`);
        });
      const tracked: Promise<void> = job.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      while (inflight.size >= 2) await Promise.race(inflight);
    } else {
      if (!repo.idOf(file).equals(Buffer.from(p.pack, 'hex'))) err(`pack ${p.pack.slice(0, 12)} is damaged: its content does not match its name`);
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
  else snaps = await repo.listSnapshots((id, e) => err(`snapshot ${id.slice(0, 8)}: ${e.message}`));
  const memo = new Map<string, TreeScan>();
  const scan = async (id: string): Promise<TreeScan> => {
    const hit = memo.get(id);
    if (hit) return hit;
    const out: TreeScan = { files: 0, damaged: [] };
    let nodes: readonly TreeNode[];
    try {
      if (badBlobs.has(id)) throw new Error(badBlobs.get(id));
      nodes = (await repo.loadTree(id)).nodes;
    } catch {
      out.damaged.push('(directory listing)');
      memo.set(id, out);
      return out;
    }
    for (const n of nodes) {
      if (n.type === 'dir' && n.subtree) {
        const sub = await scan(n.subtree);
        out.files += sub.files;
        for (const d of sub.damaged) out.damaged.push(`${n.name}/${d}`);
      } else if (n.type === 'file') {
        out.files++;
        if ((n.content ?? []).some((c) => badBlobs.has(c) || !repo.index.has(c))) out.damaged.push(n.name);
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
    else if (root.type === 'file') {
      const bad = (root.content ?? []).some((c) => badBlobs.has(c) || !repo.index.has(c));
      r = { files: 1, damaged: bad ? [root.name] : [] };
    } else r = { files: 0, damaged: [] };
    res.files += r.files;
    res.damagedFiles += r.damaged.length;
    for (const f of r.damaged) err(`snapshot ${s.id.slice(0, 8)}: /${f} is damaged or has missing data`);
  }
  opts.progress?.({ ...progress, phase: 'done' });
  return res;
}

interface TreeScan {
  files: number;
  damaged: string[];
}
