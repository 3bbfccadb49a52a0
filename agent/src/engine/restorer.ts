/**
 * Restore: writes a snapshot (or a path inside it, or a selection of paths) to a Destination.
 * The trees are walked as a stream, depth first; directories and symlinks are made as
 * they come, files are gathered into bounded batches (restore-batch.ts) that are
 * restored one after the other, each in one pass over the packs it needs. Memory does
 * not grow with the number of entries: what is held is the current batch, the stack of
 * open directories (as deep as the tree) and a bounded map of hard-linked inodes
 * (restore-links.ts). A directory's metadata (mode, owner, times) is applied once its
 * whole subtree has been restored.
 * Never overwrites an existing file unless the policy says so; never writes outside
 * the destination (unsafe names are refused when trees are decoded; the destination
 * refuses symlinks on the way).
 * Damage stays local: a file whose chunk is missing or damaged, or a directory whose
 * listing cannot be read, is reported through `onFail` and left out (what was written
 * of it removed, never committed); everything else is restored. So is an entry the
 * destination refuses (a directory swapped for a symlink during the restore, something
 * else in the way): that entry, and a refused directory's content, is reported and the
 * restore goes on. Errors that would fail every entry alike (no space, permission,
 * interruption) end the restore; then every file of the batch not committed is removed.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Destination } from '../connectors/destination.js';
import type { Progress } from './progress.js';
import type { Repository } from './repository.js';
import { type BatchContext, RestoreBatch, runBatch } from './restore-batch.js';
import { entryError, type FileTask, FileWriter } from './restore-files.js';
import { HardlinkMap, MAX_PENDING_INODES } from './restore-links.js';
import type { TreeNode } from './tree.js';
import { walk } from './tree-walk.js';

export { BATCH_BYTES, BATCH_ENTRIES, BATCH_OPEN_FILES, type OverwritePolicy, type RestoreLimits, type RestoreOptions, type RestoreResult, sameTime } from './restore-options.js';
import { BATCH_BYTES, BATCH_ENTRIES, BATCH_OPEN_FILES, type RestoreLimits, type RestoreOptions, type RestoreResult, sameTime } from './restore-options.js';

/** A directory whose subtree the walk is in. */
interface OpenDir {
  readonly path: string;
  node: TreeNode | undefined;
  /** Made by this restore: nothing can be in it beforehand. */
  readonly fresh: boolean;
  /** Refused by the destination: its content is not attempted. */
  readonly refused: boolean;
}

/** Whether `rel` lies below the directory `dir`. */
function inside(rel: string, dir: string): boolean {
  return dir === '' || (rel.length > dir.length && rel.startsWith(dir) && rel[dir.length] === '/');
}

class Restorer {
  readonly result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, specials: 0, bytes: 0, skipped: 0, errors: 0, failed: 0, linksCopied: 0 };
  readonly progress: Progress = { phase: 'restore', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };
  private readonly limits: RestoreLimits;
  private readonly links: HardlinkMap;
  private readonly writer: FileWriter;
  private readonly ctx: BatchContext;
  private readonly stack: OpenDir[];
  private batch = new RestoreBatch();
  /** Batches handed over and not yet restored. */
  private readonly pending: RestoreBatch[] = [];
  /** The restore of the last batch handed over (and of those before it). */
  private running: Promise<void> | undefined;
  private runError: CofferError | undefined;
  private readonly seen = { files: 0, bytes: 0 };

  constructor(
    private readonly repo: Repository,
    private readonly dest: Destination,
    private readonly opts: RestoreOptions,
    rootFresh: boolean,
  ) {
    this.limits = { entries: BATCH_ENTRIES, bytes: BATCH_BYTES, openFiles: BATCH_OPEN_FILES, hardlinks: MAX_PENDING_INODES, ...opts.limits };
    this.links = new HardlinkMap(this.limits.hardlinks);
    this.stack = [{ path: '', node: undefined, fresh: rootFresh, refused: false }];
    if (opts.expected) {
      this.progress.totalFiles = opts.expected.files;
      this.progress.totalBytes = opts.expected.bytes;
    }
    this.writer = new FileWriter(dest, {
      failed: (task, reason) => this.fail(task.path, reason),
      committed: () => {
        this.result.files++;
        this.progress.files++;
      },
      wrote: (n) => (this.progress.bytes += n),
    });
    this.ctx = {
      repo,
      dest,
      writer: this.writer,
      progress: this.progress,
      ...(opts.progress ? { listener: opts.progress } : {}),
      ...(opts.pool ? { pool: opts.pool } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      fail: (rel, reason) => this.fail(rel, reason),
      refused: (rel, node, err) => this.refused(rel, node, err),
      linked: () => {
        this.result.files++;
        this.progress.files++;
      },
    };
  }

  private get top(): OpenDir {
    return this.stack[this.stack.length - 1] as OpenDir;
  }

  /** Whether an existing entry at `rel` keeps us from writing `node` there. */
  private async blocked(rel: string, node: TreeNode): Promise<boolean> {
    if (this.top.fresh) return false;
    const ex = await this.dest.lookup(rel);
    if (!ex) return false;
    if (this.opts.overwrite === 'always') return false;
    if (this.opts.overwrite === 'if-changed' && ex.type === node.type && ex.size === (node.size ?? ex.size) && sameTime(ex.mtime, node.mtime, this.dest.timePrecisionNs ?? 1)) {
      this.result.skipped++;
      this.opts.onSkip?.(rel, 'unchanged');
      return true;
    }
    if (this.opts.overwrite === 'if-changed') return false;
    this.result.skipped++;
    this.opts.onSkip?.(rel, 'exists (use --overwrite to replace it)');
    return true;
  }

  /** Reports `rel` as not restored. */
  private fail(rel: string, reason: string): void {
    this.result.failed++;
    this.progress.errors++;
    this.opts.onFail?.(rel, reason);
  }

  /**
   * A symlink the destination did not make does not end the restore: one that the
   * destination cannot make at all (Config: a server without symlinks, which warned once)
   * is skipped; any other refusal is a file not restored (exit 3). Lost connections and
   * interrupts still end it (false: rethrow).
   */
  private symlinkRefused(rel: string, err: unknown): boolean {
    const e = CofferError.from(err);
    if (e.code === ErrorCode.Retryable || e.code === ErrorCode.Interrupted) return false;
    if (e.code === ErrorCode.Config) {
      this.result.skipped++;
      this.opts.onSkip?.(rel, e.message);
    } else this.fail(rel, e.message);
    return true;
  }

  /** Reports an entry the destination refused; rethrows errors that end the restore. */
  private refused(rel: string, node: TreeNode, err: unknown): void {
    if (!entryError(err)) throw err;
    this.fail(node.type === 'dir' ? `${rel}/` : rel, CofferError.from(err).message);
  }

  /**
   * Hands the batch gathered so far over to be restored and starts the next. Batches are
   * restored one after the other, each while the walk gathers the next one (its tree
   * reads, folders and symlinks overlap the writing); the walk waits rather than get
   * more than one batch ahead, so at most two batches are held.
   */
  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = new RestoreBatch();
    this.opts.onBatch?.(batch.held);
    const before = this.running;
    const run = (async (): Promise<void> => {
      await before;
      await runBatch(this.ctx, batch);
    })();
    this.running = run;
    this.pending.push(batch);
    run.then(
      () => this.pending.splice(this.pending.indexOf(batch), 1),
      (err: unknown) => {
        this.runError ??= CofferError.from(err);
      },
    );
    await before;
  }

  /** Throws the error that ended a batch, if one did, or the interruption. */
  private checkRun(): void {
    if (this.runError !== undefined) throw this.runError;
    if (this.opts.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'restore interrupted');
  }

  private async flushIfFull(): Promise<void> {
    if (this.batch.full(this.limits)) await this.flush();
  }

  /** Leaves every open directory that `rel` is not inside (all of them but the root when undefined): their metadata goes with the batch. */
  private async leaveDirs(rel: string | undefined): Promise<void> {
    while (this.stack.length > 1 && (rel === undefined || !inside(rel, this.top.path))) {
      const d = this.stack.pop() as OpenDir;
      if (d.refused || !d.node) continue;
      this.batch.dirs.push({ path: d.path, node: d.node });
      await this.flushIfFull();
    }
  }

  /**
   * After an error ends the restore: removes what was written of every file not
   * committed, then gives every directory made or entered so far its mode, times and
   * owner (deepest first, each at most once; best effort), so that a failed restore
   * leaves no temporaries and no folder with the restore's working mode.
   */
  async abortAll(): Promise<void> {
    await this.writer.abortAll([]);
    await this.running?.catch(() => undefined);
    await this.writer.abortAll([...this.pending.flatMap((b) => b.files), ...this.batch.files]);
    const dirs = [...this.pending.flatMap((b) => b.dirs), ...this.batch.dirs];
    for (const d of [...this.stack].reverse()) if (!d.refused && d.node) dirs.push({ path: d.path, node: d.node });
    const done = new Set<string>();
    for (const d of dirs) {
      if (done.has(d.path)) continue;
      done.add(d.path);
      await this.dest.setMetadata(d.path, d.node).catch(() => undefined);
    }
  }

  /** Walks one item and restores (or gathers into batches) everything in it. */
  async restoreItem(root: TreeNode, base: string, asChild: boolean): Promise<void> {
    const place = (path: string): string => {
      const rel = base === '' ? path : path === base ? '' : path.slice(base.length + 1);
      return asChild ? (rel === '' ? root.name : `${root.name}/${rel}`) : rel;
    };
    const onDamage = (path: string, err: Error): void => {
      const dir = place(path);
      this.fail(dir === '' ? '' : `${dir}/`, `its directory listing cannot be read (${err.message})`);
    };
    for await (const { path, node } of walk(this.repo, root, base, onDamage, { cache: false })) {
      this.checkRun();
      const rel = place(path);
      if (rel === '') {
        if (node.type === 'dir') (this.stack[0] as OpenDir).node = node;
        continue;
      }
      await this.leaveDirs(rel);
      if (this.top.refused) continue;
      this.progress.current = rel;
      try {
        await this.entry(rel, node);
      } catch (err) {
        this.refused(rel, node, err);
        if (node.type === 'dir') this.stack.push({ path: rel, node, fresh: false, refused: true });
      }
      await this.flushIfFull();
    }
  }

  /** Makes a directory or symlink, or gathers a file into the batch. */
  private async entry(rel: string, node: TreeNode): Promise<void> {
    switch (node.type) {
      case 'dir': {
        const made = await this.dest.makeDir(rel);
        this.stack.push({ path: rel, node, fresh: made, refused: false });
        this.result.dirs++;
        break;
      }
      case 'symlink':
        if (await this.blocked(rel, node)) break;
        try {
          await this.dest.makeSymlink(rel, node.target ?? '');
        } catch (err) {
          if (this.symlinkRefused(rel, err)) break;
          throw err;
        }
        await this.dest.setMetadata(rel, node);
        this.result.symlinks++;
        break;
      case 'other': {
        const refusal = this.dest.makeSpecial ? this.dest.specialRefusal?.(node) : `${node.kind ?? 'special file'} not restored: ${this.dest.location} cannot hold special files`;
        if (refusal !== undefined) {
          this.result.skipped++;
          this.opts.onSkip?.(rel, refusal);
          break;
        }
        if (await this.blocked(rel, node)) break;
        await this.dest.makeSpecial?.(rel, node);
        await this.dest.setMetadata(rel, node);
        this.result.specials++;
        break;
      }
      case 'file':
        if (await this.blocked(rel, node)) break;
        this.gatherFile(rel, node);
        break;
    }
  }

  private gatherFile(rel: string, node: TreeNode): void {
    this.seen.files++;
    this.seen.bytes += node.size ?? 0;
    const lost = (node.content ?? []).find((id) => !this.repo.index.has(id));
    if (lost !== undefined) {
      this.fail(rel, `chunk ${lost.slice(0, 12)} is missing from the store`);
      return;
    }
    const plan = this.links.plan(rel, node);
    if (plan.linkTo) {
      this.batch.links.push({ path: rel, node, to: plan.linkTo });
      return;
    }
    const task: FileTask = { path: rel, node, remaining: node.content?.length ?? 0, ...(plan.first ? { link: plan.first } : {}) };
    this.batch.addFile(task);
  }

  /** After the last item: leaves every directory, restores the last batch, then the root's metadata. */
  async finish(): Promise<void> {
    if (!this.opts.expected) {
      this.progress.totalFiles = this.seen.files;
      this.progress.totalBytes = this.seen.bytes;
    }
    await this.leaveDirs(undefined);
    const root = this.stack[0] as OpenDir;
    if (root.node) this.batch.dirs.push({ path: '', node: root.node });
    await this.flush();
    await this.running;
    this.result.linksCopied = this.links.copies;
    this.result.bytes = this.progress.bytes;
    this.opts.progress?.({ ...this.progress, phase: 'done' });
  }
}

/** One node to restore: where it is in its snapshot, and whether it lands under its own name. */
export interface RestoreItem {
  readonly path: string;
  readonly node: TreeNode;
  /** Under its own name in the destination; otherwise (folders only) its content lands directly in it. */
  readonly asChild: boolean;
}

/**
 * Restores several nodes of one snapshot into `dest` (a selection: each lands under its
 * own name, which the caller keeps distinct).
 */
export async function restoreItems(repo: Repository, items: readonly RestoreItem[], dest: Destination, opts: RestoreOptions): Promise<RestoreResult> {
  const created = await dest.prepare();
  const r = new Restorer(repo, dest, opts, created);
  try {
    for (const it of items) await r.restoreItem(it.node, it.path, it.asChild);
    await r.finish();
  } catch (err) {
    await r.abortAll();
    throw err;
  }
  return r.result;
}

/**
 * Restores the node `root`, found at `path` in its snapshot, into `dest`. A directory's content lands directly in the
 * destination; a file lands in it under its own name.
 */
export function restore(repo: Repository, path: string, root: TreeNode, dest: Destination, opts: RestoreOptions): Promise<RestoreResult> {
  return restoreItems(repo, [{ path, node: root, asChild: root.type !== 'dir' }], dest, opts);
}
