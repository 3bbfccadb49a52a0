/**
 * One batch of a restore: the files, hard links and finished directories the walk met
 * since the last batch, at most `entries` of them, `bytes` of file content (a single
 * larger file makes a batch of its own) and `openFiles` files of several chunks (so
 * open descriptors stay bounded). `runBatch` restores it: the packs its files
 * need are read once each for the batch, only the needed ranges (restore-reader.ts),
 * in the order the files first need them, a pack ahead while one is written; the
 * plaintext goes to the files through the FileWriter (several files in flight); once
 * every file is committed, the batch's hard links are made, then the metadata of the
 * batch's finished directories is applied, in the order they were finished (deepest
 * first), so nothing is written into a directory after its times are set. A pack that
 * several batches need is read again by each, for their own blobs only. What a batch
 * holds is dropped when it is done: memory depends on the bounds, not on the snapshot.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Destination } from '../connectors/destination.js';
import type { BlobLocation } from './master-index.js';
import type { PackPool } from './pack-pool.js';
import type { Progress, ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import { readPackBlobs } from './restore-reader.js';
import type { FileTask, FileWriter } from './restore-files.js';
import type { FirstName } from './restore-links.js';
import type { TreeNode } from './tree.js';

/** A later name of a hard-linked file. */
export interface PendingLink {
  readonly path: string;
  readonly node: TreeNode;
  readonly to: FirstName;
}

/** The bounds of one batch. */
export interface BatchLimits {
  /** Files, hard links and directories awaiting their metadata, held at most. */
  readonly entries: number;
  /** Bytes of file content at most (a larger file is a batch of its own). */
  readonly bytes: number;
  /** Files of more than one chunk at most: each may stay open from its first blob to its last (a file of one chunk is written and closed at once). */
  readonly openFiles: number;
}

/** What a batch holds until it is restored. */
export class RestoreBatch {
  readonly files: FileTask[] = [];
  readonly links: PendingLink[] = [];
  /** Directories whose content is all in this batch or earlier ones, in the order they were finished. */
  readonly dirs: { readonly path: string; readonly node: TreeNode }[] = [];
  bytes = 0;
  /** Files of more than one chunk. */
  private multi = 0;

  /** Entries held. */
  get held(): number {
    return this.files.length + this.links.length + this.dirs.length;
  }

  addFile(task: FileTask): void {
    this.files.push(task);
    this.bytes += task.node.size ?? 0;
    if (task.remaining > 1) this.multi++;
  }

  full(limits: BatchLimits): boolean {
    return this.held >= limits.entries || this.bytes >= limits.bytes || this.multi >= limits.openFiles;
  }
}

/** What running a batch needs from its restore. */
export interface BatchContext {
  readonly repo: Repository;
  readonly dest: Destination;
  readonly writer: FileWriter;
  readonly progress: Progress;
  readonly listener?: ProgressListener;
  readonly pool?: PackPool;
  readonly signal?: AbortSignal;
  /** Reports `rel` as not restored. */
  fail(rel: string, reason: string): void;
  /** Reports an entry the destination refused; rethrows errors that end the restore. */
  refused(rel: string, node: TreeNode, err: unknown): void;
  /** Counts a hard link made. */
  linked(): void;
}

interface PackPlan {
  readonly pack: string;
  readonly blobs: Map<string, { loc: BlobLocation; targets: { task: FileTask; offset: number }[] }>;
}

/** The packs `files` need, in the order the files first need them, with where each blob goes. */
function planPacks(repo: Repository, files: readonly FileTask[]): PackPlan[] {
  const plans = new Map<string, PackPlan>();
  for (const task of files) {
    let offset = 0;
    for (const id of task.node.content ?? []) {
      const loc = repo.index.get(id);
      if (!loc) throw new CofferError(ErrorCode.Internal, `chunk ${id.slice(0, 12)} left the index during the restore`);
      let plan = plans.get(loc.pack);
      if (!plan) {
        plan = { pack: loc.pack, blobs: new Map() };
        plans.set(loc.pack, plan);
      }
      let b = plan.blobs.get(id);
      if (!b) {
        b = { loc, targets: [] };
        plan.blobs.set(id, b);
      }
      b.targets.push({ task, offset });
      offset += loc.rawLength;
    }
  }
  return [...plans.values()];
}

/** Writes every file of the batch from the packs. */
async function writeFiles(ctx: BatchContext, files: readonly FileTask[]): Promise<void> {
  for (const task of files) if (task.remaining === 0) await ctx.writer.empty(task);
  const plans = planPacks(ctx.repo, files);
  const depth = ctx.pool ? 2 : 1;
  const ahead: Promise<Map<string, Buffer | CofferError>>[] = [];
  let queued = 0;
  const fill = (): void => {
    while (queued < plans.length && ahead.length < depth) {
      const pr = readPackBlobs(ctx.repo, plans[queued++] as PackPlan, ctx.pool);
      pr.catch(() => undefined);
      ahead.push(pr);
    }
  };
  fill();
  for (const plan of plans) {
    if (ctx.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'restore interrupted');
    const blobs = await (ahead.shift() as Promise<Map<string, Buffer | CofferError>>);
    fill();
    let path: string | undefined;
    for (const [id, data] of blobs) {
      for (const t of plan.blobs.get(id)?.targets ?? []) {
        path = t.task.path;
        if (t.task.failed !== undefined) continue;
        if (data instanceof CofferError) await ctx.writer.fail(t.task, `chunk ${id.slice(0, 12)}: ${data.message}`);
        else await ctx.writer.write(t.task, data, t.offset);
      }
    }
    // The progress line names a file being restored, not the pack it comes from.
    if (path !== undefined) ctx.progress.current = path;
    ctx.listener?.(ctx.progress);
  }
  await ctx.writer.drain();
}

/** Restores a batch (see the module comment). */
export async function runBatch(ctx: BatchContext, batch: RestoreBatch): Promise<void> {
  if (ctx.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'restore interrupted');
  await writeFiles(ctx, batch.files);
  for (const l of batch.links) {
    if (l.to.failed) {
      ctx.fail(l.path, `it is a hard link to /${l.to.path}, which could not be restored`);
      continue;
    }
    try {
      await ctx.dest.makeHardlink(l.path, l.to.path);
    } catch (err) {
      ctx.refused(l.path, l.node, err);
      continue;
    }
    ctx.linked();
  }
  for (const d of batch.dirs) {
    try {
      await ctx.dest.setMetadata(d.path, d.node);
    } catch (err) {
      ctx.refused(d.path, d.node, err);
    }
  }
  ctx.listener?.(ctx.progress);
}
