/**
 * Backup: walks a Source, stores new file content and directory trees through a
 * RepoWriter, and writes the snapshot last, after every blob it names is saved and
 * indexed. Files unchanged since the parent snapshot (same type, size, mtime, and
 * inode and ctime where the source has them) are not read again. A file or directory
 * that cannot be read is recorded as an error and the backup goes on, and so is, in a
 * store of format 1, an entry whose name or link target is not UTF-8 (format 1 cannot
 * record it; a writer never changes a store's format).
 */
import { untilAborted as untilInterrupted } from '@coffer/shared/abort.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { StreamFileSaver } from './file-saver.js';
import type { IgnoreMatcher } from './ignore-rules.js';
import { BlobType } from './pack.js';
import type { Progress, ProgressListener } from './progress.js';
import { hasRawBytes } from './raw-name.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { encodeSnapshot, type EntryError, type Snapshot, SNAPSHOT_AAD, type SnapshotRecord, type SnapshotSummary } from './snapshot.js';
import { type OpenDir, OpenDirs, type WalkStats } from './open-dirs.js';
export type { WalkStats } from './open-dirs.js';
import type { LocalFileStore } from './local-file-store.js';
export type { LocalFileStore, StoredFile } from './local-file-store.js';
import { encodeTree, hasRawNames, storesRawNames, type Tree, type TreeNode } from './tree.js';
import { compareNameBytes, SPLIT_ABOVE, storesSplitTrees } from './tree-parts.js';
import { parentNodes } from './parent-nodes.js';
import { type WalkFilterOptions, WalkFilters } from './walk-filters.js';
import { type DirListing, type EntryMeta, joinRel, type Source } from '../connectors/source.js';

/** What to back up and how. */
export interface BackupOptions {
  readonly tags: readonly string[];
  readonly ignore: IgnoreMatcher;
  readonly parent: SnapshotRecord | undefined;
  readonly host: string;
  readonly user: string;
  readonly program: string;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /**
   * Reads, chunks and encodes files on worker threads when the source is on local
   * disk (see pipeline/file-pool.ts). Without it, files are read on this thread.
   */
  readonly files?: LocalFileStore;
  /** Clock. @default () => new Date() */
  readonly now?: () => Date;
  /** Told at the end how the walk went (what it held at most), for tests and benchmarks. */
  readonly onWalkStats?: (s: WalkStats) => void;
  /** `--one-file-system`, `--exclude-if-present`, `--exclude-caches` (walk-filters.ts). */
  readonly filters?: WalkFilterOptions;
}

const MAX_ERRORS_KEPT = 1000;

function unchanged(prev: TreeNode | undefined, cur: EntryMeta): prev is TreeNode & { content: readonly string[] } {
  if (!prev || prev.type !== 'file' || cur.type !== 'file' || !prev.content) return false;
  if (prev.size !== cur.size || prev.mtime !== cur.mtime) return false;
  if (prev.inode !== undefined && cur.inode !== undefined && prev.inode !== cur.inode) return false;
  if (prev.ctime !== undefined && cur.ctime !== undefined && prev.ctime !== cur.ctime) return false;
  return true;
}

class Archiver {
  readonly summary: SnapshotSummary = {
    files: 0, dirs: 0, symlinks: 0, others: 0, bytes: 0, newFiles: 0, changedFiles: 0,
    unchangedFiles: 0, newBytes: 0, storedBytes: 0, durationMs: 0, errors: 0,
  };
  readonly errors: EntryError[] = [];
  readonly progress: Progress = { phase: 'backup', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };
  private lastYield = Date.now();
  /** Files read on this thread (a remote source). */
  private readonly streamed: StreamFileSaver;
  /** Folders whose tree is not saved yet. */
  readonly dirs: OpenDirs;
  private failure: CofferError | undefined;
  /** Listings asked for ahead of the walk (at most PREFETCH per open folder), by path. */
  private readonly prefetched = new Map<string, Promise<DirListing>>();
  readonly filters: WalkFilters;

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly source: Source,
    private readonly opts: BackupOptions,
    rootDev: string | undefined,
  ) {
    this.filters = new WalkFilters(source, opts.filters ?? {}, rootDev);
    this.dirs = new OpenDirs(
      (id) => this.writer.has(id),
      (nodes) => this.saveTree({ nodes }),
      (bytes) => this.saveTreeBlob(bytes),
      (err) => this.fail(err),
    );
    this.streamed = new StreamFileSaver(repo, writer, source, (n) => (this.progress.bytes += n));
    if (opts.files) {
      opts.files.onBytes = (n): void => {
        this.progress.bytes += n;
        this.opts.progress?.(this.progress);
      };
    }
    const ps = opts.parent?.snapshot.summary;
    if (ps) {
      this.progress.totalFiles = ps.files;
      this.progress.totalBytes = ps.bytes;
    }
  }

  private error(path: string, err: unknown): void {
    this.summary.errors++;
    this.progress.errors++;
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push({ path: path === '' ? '/' : `/${path}`, message: CofferError.from(err).message });
  }

  private async tick(): Promise<void> {
    if (this.opts.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'backup interrupted');
    if (this.failure) throw this.failure;
    this.opts.progress?.(this.progress);
    // Let I/O completions and worker results in at least every 20 ms.
    if (Date.now() - this.lastYield > 20) {
      await new Promise<void>((r) => setImmediate(r));
      this.lastYield = Date.now();
    }
  }

  async saveFile(rel: string, meta: EntryMeta): Promise<TreeNode | undefined> {
    this.progress.current = rel;
    try {
      const { size, content } = await this.streamed.save(rel, meta.size ?? 0);
      this.summary.bytes += size;
      return { ...meta, size, content };
    } catch (err) {
      this.error(rel, err);
      return undefined;
    }
  }

  /**
   * Walks directory `rel`: hands its new and changed files to be stored and walks its
   * subfolders, without waiting for them. The folder's tree is saved (and `done` called
   * with its id) once its last file and subfolder have finished, so reading the next
   * folders overlaps with storing this one's files. Only folders with work in flight
   * stay open; a folder's nodes are dropped once its tree is saved.
   */
  async walkDir(rel: string, parentTree: string | undefined, done: (id: string) => void, enter = true): Promise<void> {
    await this.dirs.room();
    let listing: DirListing = { entries: [], errors: [] };
    try {
      if (enter) listing = await this.listing(rel);
    } catch (err) {
      // The root itself unreadable: nothing would be backed up, so this is a failure, not a partial backup.
      if (rel === '') throw new CofferError(ErrorCode.Permission, `cannot read the source ${this.source.location}: ${CofferError.from(err).message}`, { cause: err });
      this.error(rel, err);
    }
    for (const e of listing.errors) this.error(joinRel(rel, e.name), new Error(e.message));
    const prev = parentTree ? await parentNodes(this.repo, parentTree) : undefined;
    const entries = await this.filters.keep(rel, this.representable(rel, listing.entries).filter((e) => !this.opts.ignore(joinRel(rel, e.name), e.type === 'dir')));
    // A folder stored as parts, or compared with a parent stored so, goes in the order of the names' bytes.
    const split = storesSplitTrees(this.repo.config.version) && entries.length > SPLIT_ABOVE;
    if (split || prev?.cursor) entries.sort((a, b) => compareNameBytes(a.name, b.name));
    else entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs = entries.filter((e) => e.type === 'dir').map((e) => joinRel(rel, e.name));
    for (let i = 0; i < PREFETCH; i++) this.prefetch(subdirs[i]);
    let subdir = 0;
    const dir = this.dirs.create(done, prev && { id: prev.id, count: prev.count }, split);
    for (const e of entries) {
      const childRel = joinRel(rel, e.name);
      const old = prev?.cursor ? await prev.cursor.find(e.name) : prev?.byName?.get(e.name);
      await this.tick();
      switch (e.type) {
        case 'dir': {
          this.summary.dirs++;
          this.prefetch(subdirs[++subdir + PREFETCH - 1]);
          const slot = this.dirs.reserve(dir);
          const done = (subtree: string): void => {
            this.dirs.put(dir, slot, { ...e, subtree }, old);
            this.dirs.settle(dir);
          };
          // A mount point under --one-file-system: kept as an empty folder.
          await this.walkDir(childRel, old?.type === 'dir' ? old.subtree : undefined, done, !this.filters.crosses(e, childRel));
          break;
        }
        case 'file':
          this.summary.files++;
          this.progress.files++;
          if (unchanged(old, e) && old.content.every((id) => this.writer.has(id))) {
            this.summary.unchangedFiles++;
            this.summary.bytes += e.size ?? 0;
            this.progress.bytes += e.size ?? 0;
            this.dirs.put(dir, undefined, { ...e, content: old.content }, old);
            break;
          }
          if (old) this.summary.changedFiles++;
          else this.summary.newFiles++;
          await this.storeFile(dir, childRel, e);
          break;
        case 'symlink':
          this.summary.symlinks++;
          this.dirs.put(dir, undefined, e, old);
          break;
        case 'other':
          // A device, FIFO or socket is recorded as what it is (it has no content to read).
          this.summary.others++;
          this.dirs.put(dir, undefined, e, old);
          break;
      }
    }
    this.dirs.walked(dir);
    // Trees waiting to be saved count against the writer's budget too.
    await this.writer.waitForRoom();
  }

  /** The listing of folder `rel`: asked for ahead (prefetch), or now. */
  private listing(rel: string): Promise<DirListing> {
    const early = this.prefetched.get(rel);
    if (early) {
      this.prefetched.delete(rel);
      return early;
    }
    return this.readDir(rel);
  }

  private readDir(rel: string): Promise<DirListing> {
    const files = this.opts.files;
    if (files?.listsReady && this.source.localPath && !this.source.isVirtual?.(rel)) return files.scanDir(this.source.localPath(rel));
    return this.source.readDir(rel);
  }

  /** Asks for the listing of `rel` ahead of the walk, when folders are listed off this thread. */
  private prefetch(rel: string | undefined): void {
    if (rel === undefined || !this.opts.files?.listsReady || !this.source.localPath || this.source.isVirtual?.(rel) || this.prefetched.has(rel)) return;
    const p = this.readDir(rel);
    p.catch(() => undefined); // seen when the walk takes it
    this.prefetched.set(rel, p);
  }

  /** Hands a new or changed file to be stored; its node fills slot of `dir` when done. */
  private async storeFile(dir: OpenDir, childRel: string, e: EntryMeta): Promise<void> {
    const slot = this.dirs.reserve(dir);
    const files = this.opts.files;
    const local = files && this.source.localPath ? this.source.localPath(childRel) : undefined;
    if (local !== undefined && files) {
      this.progress.current = childRel;
      const wait = files.storeFile(local, e.size ?? 0, (r) => {
        if (r.error !== undefined) {
          this.error(childRel, new Error(r.error));
          this.summary.files--;
          this.dirs.drop(dir, slot);
        } else {
          this.summary.bytes += r.size;
          this.dirs.put(dir, slot, { ...e, size: r.size, content: r.content }, undefined);
        }
        this.dirs.settle(dir);
      });
      if (wait) await wait;
      return;
    }
    // A remote source: several files in flight, each in its own slot of the tree.
    await this.streamed.turn();
    this.saveFile(childRel, e)
      .then((node) => {
        if (node) this.dirs.put(dir, slot, node, undefined);
        else {
          this.summary.files--;
          this.dirs.drop(dir, slot);
        }
        this.dirs.settle(dir);
      })
      .catch((err: unknown) => this.fail(err))
      .finally(() => this.streamed.release());
  }

  /** Records the first failure of work that finishes in the background; the walk stops at its next entry. */
  private fail(err: unknown): void {
    this.failure ??= CofferError.from(err);
  }

  /** Waits until every file and tree handed off is stored; throws the first failure. */
  async settled(): Promise<void> {
    await this.opts.files?.drain();
    await this.streamed.idle();
    await this.dirs.settled();
    if (this.failure) throw this.failure;
  }

  /** The entries the store's format can record; the others are recorded as errors. */
  private representable(rel: string, entries: EntryMeta[]): EntryMeta[] {
    if (storesRawNames(this.repo.config.version)) return entries;
    return entries.filter((e) => {
      if (!hasRawNames(e)) return true;
      const what = hasRawBytes(e.name) ? 'name' : 'link target';
      this.error(joinRel(rel, e.name), new Error(`its ${what} is not UTF-8 and this store (format ${this.repo.config.version}) cannot record it; back it up into a store created by this coffer`));
      return false;
    });
  }

  async saveTree(tree: Tree): Promise<string> {
    return this.saveTreeBlob(encodeTree(tree, this.repo.config.version));
  }

  /** Saves an encoded tree blob (a tree, a part or a split tree's list of parts). */
  async saveTreeBlob(bytes: Buffer): Promise<string> {
    const own = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(own);
    const id = this.repo.idOf(own);
    const hex = id.toString('hex');
    const files = this.opts.files;
    if (files && !this.writer.has(hex)) {
      const rawLength = own.length; // `own` is handed over (detached) below
      await this.writer.addEncoded(BlobType.Tree, id, await files.encodeBlob(BlobType.Tree, id, own), rawLength);
    } else await this.writer.addBlob(BlobType.Tree, id, own);
    await this.writer.checkpoint();
    return hex;
  }
}

/**
 * `p`, or an Interrupted error as soon as `signal` aborts: files handed to the file workers
 * are not waited for after a cancel (the caller stops the workers; the store stays valid).
 */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? untilInterrupted(p, signal, 'backup interrupted') : p;
}

/** Subfolders of each open folder listed ahead of the walk. */
const PREFETCH = 2;

/** Backs up `source` into `repo`; returns the new snapshot. */
export async function backup(repo: Repository, writer: RepoWriter, source: Source, opts: BackupOptions): Promise<SnapshotRecord> {
  const now = opts.now ?? ((): Date => new Date());
  const start = now();
  if (source.localPath) opts.files?.warmUp();
  const rootMeta = await source.stat();
  const a = new Archiver(repo, writer, source, opts, rootMeta.dev);
  const parentRoot = opts.parent?.snapshot.root;
  let root: TreeNode;
  if (rootMeta.type === 'dir') {
    let subtree: string | undefined;
    await a.walkDir('', parentRoot?.type === 'dir' ? parentRoot.subtree : undefined, (id) => (subtree = id));
    await untilAborted(a.settled(), opts.signal);
    opts.onWalkStats?.(a.dirs.stats);
    if (subtree === undefined) throw new CofferError(ErrorCode.Internal, 'the root tree was not saved');
    root = { ...rootMeta, subtree };
  } else if (rootMeta.type === 'file') {
    a.summary.files++;
    const node = await a.saveFile('', rootMeta);
    if (!node) throw new CofferError(ErrorCode.Permission, `cannot read ${source.location}: ${a.errors[0]?.message ?? 'unknown error'}`);
    a.summary.newFiles++;
    root = node;
  } else {
    root = rootMeta;
  }
  await untilAborted(opts.files?.drain() ?? Promise.resolve(), opts.signal);
  await untilAborted(writer.flush(), opts.signal);
  const summary: SnapshotSummary = {
    ...a.summary,
    newBytes: writer.stats.newBytes,
    storedBytes: writer.stats.storedBytes,
    durationMs: now().getTime() - start.getTime(),
  };
  const snap: Snapshot = {
    version: 1,
    time: start.toISOString(),
    host: opts.host,
    user: opts.user,
    source: { type: source.type, location: source.location },
    tags: [...opts.tags],
    root,
    ...(opts.parent ? { parent: opts.parent.id } : {}),
    summary,
    errors: a.errors,
    program: opts.program,
  };
  // Nothing is saved after a signal (the CLI's backend refuses it too).
  if (opts.signal?.aborted) throw new CofferError(ErrorCode.Interrupted, 'backup interrupted');
  const id = await repo.saveFile('snapshot', encodeSnapshot(snap), SNAPSHOT_AAD);
  opts.progress?.({ ...a.progress, phase: 'done' });
  return { id, snapshot: snap };
}
