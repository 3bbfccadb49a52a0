/**
 * Restore: writes a snapshot (or a path inside it, or a selection of paths) to a Destination. Reads each
 * pack once, in the order the files first need it, decodes the needed blobs and
 * writes them where they belong, so a restore costs one pass over the data it needs.
 * Never overwrites an existing file unless the policy says so; never writes outside
 * the destination (unsafe names are refused when trees are decoded; the destination
 * refuses symlinks on the way).
 * Damage stays local: a file whose chunk is missing or damaged, or a directory whose
 * listing cannot be read, is reported through `onFail` and left out (its temporary
 * removed, never committed); everything else is restored. So is an entry the
 * destination refuses (a directory swapped for a symlink during the restore, something
 * else in the way): that entry, and a refused directory's content, is reported and the
 * restore goes on. Errors that would fail every entry alike (no space, permission,
 * interruption) end the restore; then every temporary file still open is removed.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Destination, DestinationFile } from '../connectors/destination.js';
import { readPackBlobs } from './restore-reader.js';
import type { Progress, ProgressListener } from './progress.js';
import type { Repository } from './repository.js';
import type { TreeNode } from './tree.js';
import { walk } from './tree-walk.js';
import type { BlobLocation } from './master-index.js';
import type { PackPool } from './pack-pool.js';

/** When to replace an existing file. */
export type OverwritePolicy = 'never' | 'if-changed' | 'always';

/** Options of a restore. */
export interface RestoreOptions {
  readonly overwrite: OverwritePolicy;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** Decodes blobs on worker threads; without it, on this thread. */
  readonly pool?: PackPool;
  /** Called for each entry not restored (kept existing file, special file). */
  readonly onSkip?: (path: string, reason: string) => void;
  /** Called for each file (or directory's content) not restored: damaged in the store, or refused by the destination. */
  readonly onFail?: (path: string, reason: string) => void;
}

/** Counts of a finished restore. */
export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  skipped: number;
  errors: number;
  /** Files (and directory listings) not restored because of damage; see `onFail`. */
  failed: number;
}

interface FileTask {
  readonly path: string;
  readonly node: TreeNode;
  remaining: number;
  handle?: Promise<DestinationFile>;
  /** Why this file cannot be restored, once known. */
  failed?: string;
  committed?: boolean;
}

interface Target {
  readonly task: FileTask;
  readonly offset: number;
}

interface PackPlan {
  readonly pack: string;
  readonly blobs: Map<string, { loc: BlobLocation; targets: Target[] }>;
}

class Restorer {
  readonly result: RestoreResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, skipped: 0, errors: 0, failed: 0 };
  readonly progress: Progress = { phase: 'restore', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };
  private readonly plans = new Map<string, PackPlan>();
  private readonly dirs: { path: string; node: TreeNode }[] = [];
  private readonly hardlinks = new Map<string, string>();
  private readonly pendingLinks: { path: string; node: TreeNode; to: string }[] = [];
  private readonly failedPaths = new Set<string>();
  /** Directories the destination refused: their content is not attempted. */
  private readonly failedDirs = new Set<string>();

  constructor(
    private readonly repo: Repository,
    private readonly dest: Destination,
    private readonly opts: RestoreOptions,
  ) {}

  private rel(base: string, p: string): string {
    if (base === '') return p;
    return p === base ? '' : p.slice(base.length + 1);
  }

  /** Directories this restore created: nothing can exist inside them beforehand. */
  private readonly fresh = new Set<string>();

  /** Records that `rel` was created by this restore. */
  markFresh(rel: string): void {
    this.fresh.add(rel);
  }

  /** Whether an existing entry at `rel` keeps us from writing `node` there. */
  private async blocked(rel: string, node: TreeNode): Promise<boolean> {
    const slash = rel.lastIndexOf('/');
    if (this.fresh.has(slash < 0 ? '' : rel.slice(0, slash))) return false;
    const ex = await this.dest.lookup(rel);
    if (!ex) return false;
    if (this.opts.overwrite === 'always') return false;
    if (this.opts.overwrite === 'if-changed' && ex.type === node.type && ex.size === (node.size ?? ex.size) && ex.mtime === node.mtime) {
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
    this.failedPaths.add(rel);
    this.result.failed++;
    this.progress.errors++;
    this.opts.onFail?.(rel, reason);
  }

  /** Whether `rel` lies inside a directory the destination refused. */
  private insideFailedDir(rel: string): boolean {
    if (this.failedDirs.size === 0) return false;
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) if (this.failedDirs.has(rel.slice(0, i))) return true;
    return false;
  }

  /** Reports an entry the destination refused; rethrows errors that end the restore. */
  private refused(rel: string, node: TreeNode, err: unknown): void {
    if (!entryError(err)) throw err;
    if (node.type === 'dir') this.failedDirs.add(rel);
    this.fail(node.type === 'dir' ? `${rel}/` : rel, CofferError.from(err).message);
  }

  /** Marks a planned file as failed and removes its temporary file. */
  private async failTask(task: FileTask, reason: string): Promise<void> {
    if (task.failed !== undefined) return;
    task.failed = reason;
    this.fail(task.path, reason);
    const h = task.handle;
    if (h) await h.then((f) => f.abort()).catch(() => undefined);
  }

  /** Removes the temporary file of every file not committed (after an error ends the restore). */
  async abortAll(): Promise<void> {
    for (const t of this.tasks) {
      if (t.committed || !t.handle) continue;
      await t.handle.then((f) => f.abort()).catch(() => undefined);
    }
  }

  /** Creates directories, symlinks and empty files; plans the reading of file content. */
  async plan(root: TreeNode, base: string, asChild: boolean): Promise<void> {
    const place = (path: string): string => {
      const rel = this.rel(base, path);
      return asChild ? (rel === '' ? root.name : `${root.name}/${rel}`) : rel;
    };
    const onDamage = (path: string, err: Error): void => {
      const dir = place(path);
      this.fail(dir === '' ? '' : `${dir}/`, `its directory listing cannot be read (${err.message})`);
    };
    for await (const { path, node } of walk(this.repo, root, base, onDamage)) {
      const rel = place(path);
      if (rel === '') {
        if (node.type === 'dir') this.dirs.push({ path: '', node });
        continue;
      }
      this.progress.current = rel;
      if (this.insideFailedDir(rel)) continue;
      try {
        await this.planEntry(rel, node);
      } catch (err) {
        this.refused(rel, node, err);
      }
    }
  }

  /** Creates a directory or symlink, or plans a file. */
  private async planEntry(rel: string, node: TreeNode): Promise<void> {
    switch (node.type) {
      case 'dir':
        if (await this.dest.makeDir(rel)) this.fresh.add(rel);
        this.dirs.push({ path: rel, node });
        this.result.dirs++;
        break;
      case 'symlink':
        if (await this.blocked(rel, node)) break;
        await this.dest.makeSymlink(rel, node.target ?? '');
        await this.dest.setMetadata(rel, node);
        this.result.symlinks++;
        break;
      case 'other':
        this.result.skipped++;
        this.opts.onSkip?.(rel, `${node.kind ?? 'special file'} not restored`);
        break;
      case 'file':
        if (await this.blocked(rel, node)) break;
        this.planFile(rel, node);
        break;
    }
  }

  private planFile(rel: string, node: TreeNode): void {
    this.progress.totalFiles++;
    this.progress.totalBytes += node.size ?? 0;
    const lost = (node.content ?? []).find((id) => !this.repo.index.has(id));
    if (lost !== undefined) {
      this.fail(rel, `chunk ${lost.slice(0, 12)} is missing from the store`);
      return;
    }
    const linkKey = node.links && node.links > 1 && node.inode ? `${node.dev ?? ''}:${node.inode}` : undefined;
    if (linkKey) {
      const first = this.hardlinks.get(linkKey);
      if (first !== undefined) {
        this.pendingLinks.push({ path: rel, node, to: first });
        return;
      }
      this.hardlinks.set(linkKey, rel);
    }
    const task: FileTask = { path: rel, node, remaining: node.content?.length ?? 0 };
    let offset = 0;
    for (const id of node.content ?? []) {
      const loc = this.repo.index.get(id);
      if (!loc) return; // checked above
      let plan = this.plans.get(loc.pack);
      if (!plan) {
        plan = { pack: loc.pack, blobs: new Map() };
        this.plans.set(loc.pack, plan);
      }
      let b = plan.blobs.get(id);
      if (!b) {
        b = { loc, targets: [] };
        plan.blobs.set(id, b);
      }
      b.targets.push({ task, offset });
      offset += loc.rawLength;
    }
    this.tasks.push(task);
  }

  private readonly tasks: FileTask[] = [];

  private open(task: FileTask): Promise<DestinationFile> {
    task.handle ??= this.dest.createFile(task.path);
    return task.handle;
  }

  private readonly committing = new Set<Promise<void>>();
  private commitError: CofferError | undefined;

  /** Commits a complete file; does not wait for it unless too many commits are pending. */
  private async finish(task: FileTask): Promise<void> {
    let f: DestinationFile;
    try {
      f = await this.open(task);
    } catch (err) {
      if (!entryError(err)) throw err;
      await this.failTask(task, CofferError.from(err).message);
      return;
    }
    task.committed = true;
    const p = f.commit(task.node).then(() => {
      this.result.files++;
      this.progress.files++;
    });
    const tracked: Promise<void> = p
      .catch(async (err: unknown) => {
        await f.abort().catch(() => undefined);
        if (entryError(err)) this.fail(task.path, CofferError.from(err).message);
        else this.commitError ??= CofferError.from(err);
      })
      .finally(() => this.committing.delete(tracked));
    this.committing.add(tracked);
    while (this.committing.size >= 256) await Promise.race(this.committing);
    if (this.commitError) throw this.commitError;
  }

  async run(): Promise<void> {
    for (const task of this.tasks) if (task.remaining === 0) await this.finish(task);
    const plans = [...this.plans.values()];
    // Keep a few packs reading and decoding ahead while the current one is written.
    const ahead: Promise<Map<string, Buffer | CofferError>>[] = [];
    const depth = this.opts.pool ? 2 : 1;
    let queued = 0;
    const fill = (): void => {
      while (queued < plans.length && ahead.length < depth) {
        const pr = readPackBlobs(this.repo, plans[queued++] as PackPlan, this.opts.pool);
        pr.catch(() => undefined);
        ahead.push(pr);
      }
    };
    fill();
    for (let p = 0; p < plans.length; p++) {
      if (this.opts.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'restore interrupted');
      const plan = plans[p] as PackPlan;
      const blobs = await (ahead.shift() as Promise<Map<string, Buffer | CofferError>>);
      fill();
      for (const [id, data] of blobs) {
        for (const t of plan.blobs.get(id)?.targets ?? []) {
          if (t.task.failed !== undefined) continue;
          if (data instanceof CofferError) {
            await this.failTask(t.task, `chunk ${id.slice(0, 12)}: ${data.message}`);
            continue;
          }
          try {
            await (await this.open(t.task)).write(data, t.offset);
          } catch (err) {
            if (!entryError(err)) throw err;
            await this.failTask(t.task, CofferError.from(err).message);
            continue;
          }
          this.progress.bytes += data.length;
          if (--t.task.remaining === 0) await this.finish(t.task);
        }
      }
      this.progress.current = plan.pack;
      this.opts.progress?.(this.progress);
    }
    await Promise.all(this.committing);
    if (this.commitError) throw new CofferError(this.commitError.code, `cannot restore a file: ${this.commitError.message}`);
    for (const l of this.pendingLinks) {
      if (this.failedPaths.has(l.to)) {
        this.fail(l.path, `it is a hard link to /${l.to}, which could not be restored`);
        continue;
      }
      try {
        await this.dest.makeHardlink(l.path, l.to);
      } catch (err) {
        this.refused(l.path, l.node, err);
        continue;
      }
      this.result.files++;
      this.progress.files++;
    }
    // Directory metadata last, deepest first, so writing inside does not change mtimes.
    for (const d of this.dirs.reverse()) {
      if (this.failedDirs.has(d.path) || this.insideFailedDir(d.path)) continue;
      try {
        await this.dest.setMetadata(d.path, d.node);
      } catch (err) {
        this.refused(d.path, d.node, err);
      }
    }
    this.result.bytes = this.progress.bytes;
    this.opts.progress?.({ ...this.progress, phase: 'done' });
  }
}

/** Whether a destination error concerns one entry only (a refusal, something in the way), so the restore goes on. */
function entryError(err: unknown): boolean {
  const code = CofferError.from(err).code;
  return code === ErrorCode.Corrupt || code === ErrorCode.NotFound;
}

/** One node to restore: where it is in its snapshot, and whether it lands under its own name. */
export interface RestoreItem {
  readonly path: string;
  readonly node: TreeNode;
  /** Under its own name in the destination; otherwise (folders only) its content lands directly in it. */
  readonly asChild: boolean;
}

/**
 * Restores several nodes of one snapshot into `dest` in one pass over the packs they
 * need (a selection: each lands under its own name, which the caller keeps distinct).
 */
export async function restoreItems(repo: Repository, items: readonly RestoreItem[], dest: Destination, opts: RestoreOptions): Promise<RestoreResult> {
  const created = await dest.prepare();
  const r = new Restorer(repo, dest, opts);
  if (created) r.markFresh('');
  try {
    for (const it of items) await r.plan(it.node, it.path, it.asChild);
    await r.run();
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
