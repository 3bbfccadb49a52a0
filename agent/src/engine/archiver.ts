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
import { encodeTree, hasRawNames, sameNode, storesRawNames, type Tree, type TreeNode } from './tree.js';
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
}

/** What the walk held at most and what it saved itself. */
export interface WalkStats {
  /** Folders walked or being walked whose tree was not saved yet (each holds its nodes). */
  readonly maxOpenDirs: number;
  /** Trees being encoded and saved at once (at most TREES_SAVING). */
  readonly maxSavingTrees: number;
  /** Folders whose parent tree was taken as it is (nothing in them changed). */
  readonly treesReused: number;
}

/** Trees being saved at once, at most: the walk waits for one to finish before it lists the next folder. */
export const TREES_SAVING = 64;

const MAX_ERRORS_KEPT = 1000;

/** What became of one file handed to a LocalFileStore. */
export interface StoredFile {
  readonly content: string[];
  readonly size: number;
  readonly error?: string;
}

/** Stores local files by path; implemented by pipeline/file-pool.ts. */
export interface LocalFileStore {
  /**
   * Hands over the file at `path` (expected `size` bytes); `done` is called once with
   * its outcome, later. Returns a promise when the caller must wait for room before
   * handing over the next file, undefined when it need not.
   */
  storeFile(path: string, size: number, done: (r: StoredFile) => void): Promise<void> | undefined;
  /** Resolves when every file handed over is done (each `done` called). */
  drain(): Promise<void>;
  /** Lists a local folder by absolute path, as the source's readDir would, off this thread. */
  scanDir(path: string): Promise<DirListing>;
  /** Encodes a blob for the store off this thread; `data` is handed over. */
  encodeBlob(type: BlobType, id: Buffer, data: Buffer): Promise<Buffer>;
  /** Set by the archiver: told how many bytes of content were processed. */
  onBytes: ((n: number) => void) | undefined;
}

function unchanged(prev: TreeNode | undefined, cur: EntryMeta): prev is TreeNode & { content: readonly string[] } {
  if (!prev || prev.type !== 'file' || cur.type !== 'file' || !prev.content) return false;
  if (prev.size !== cur.size || prev.mtime !== cur.mtime) return false;
  if (prev.inode !== undefined && cur.inode !== undefined && prev.inode !== cur.inode) return false;
  if (prev.ctime !== undefined && cur.ctime !== undefined && prev.ctime !== cur.ctime) return false;
  return true;
}

/** A folder whose tree is not saved yet: its nodes fill in as its files and subfolders finish. */
interface OpenDir {
  readonly nodes: (TreeNode | undefined)[];
  /** Entries handed off (files being stored, subfolders open) and not finished. */
  pending: number;
  /** Every entry seen: the tree is saved when `pending` is 0. */
  walked: boolean;
  readonly done: (treeId: string) => void;
  /** The parent snapshot's tree of this folder and its node count, when it could be read. */
  readonly parent?: { readonly id: string; readonly count: number };
  /** Every node so far equals the parent tree's node of that name. */
  same: boolean;
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
  /** Trees being saved. */
  private readonly saving = new Set<Promise<void>>();
  /** Folders walked or being walked whose tree is not saved yet. */
  private openDirs = 0;
  readonly stats = { maxOpenDirs: 0, maxSavingTrees: 0, treesReused: 0 };
  private failure: CofferError | undefined;
  /** Listings asked for ahead of the walk (at most PREFETCH per open folder), by path. */
  private readonly prefetched = new Map<string, Promise<DirListing>>();

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly source: Source,
    private readonly opts: BackupOptions,
  ) {
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
  async walkDir(rel: string, parentTree: string | undefined, done: (id: string) => void): Promise<void> {
    while (this.saving.size >= TREES_SAVING) await Promise.race(this.saving);
    let listing;
    try {
      listing = await this.listing(rel);
    } catch (err) {
      // The root itself unreadable: nothing would be backed up, so this is a failure, not a partial backup.
      if (rel === '') throw new CofferError(ErrorCode.Permission, `cannot read the source ${this.source.location}: ${CofferError.from(err).message}`, { cause: err });
      this.error(rel, err);
      listing = { entries: [], errors: [] };
    }
    for (const e of listing.errors) this.error(joinRel(rel, e.name), new Error(e.message));
    let prev: Map<string, TreeNode> | undefined;
    let parent: OpenDir['parent'];
    if (parentTree) {
      try {
        const nodes = (await this.repo.loadTree(parentTree, { cache: false })).nodes;
        prev = new Map(nodes.map((n) => [n.name, n]));
        parent = { id: parentTree, count: nodes.length };
      } catch {
        prev = undefined; // damaged parent: read everything again
      }
    }
    const entries = this.representable(rel, listing.entries)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .filter((e) => !this.opts.ignore(joinRel(rel, e.name), e.type === 'dir'));
    const subdirs = entries.filter((e) => e.type === 'dir').map((e) => joinRel(rel, e.name));
    for (let i = 0; i < PREFETCH; i++) this.prefetch(subdirs[i]);
    let subdir = 0;
    const dir: OpenDir = { nodes: [], pending: 0, walked: false, done, ...(parent ? { parent } : {}), same: parent !== undefined };
    this.stats.maxOpenDirs = Math.max(this.stats.maxOpenDirs, ++this.openDirs);
    for (const e of entries) {
      const childRel = joinRel(rel, e.name);
      const old = prev?.get(e.name);
      await this.tick();
      switch (e.type) {
        case 'dir': {
          this.summary.dirs++;
          this.prefetch(subdirs[++subdir + PREFETCH - 1]);
          const slot = this.open(dir);
          await this.walkDir(childRel, old?.type === 'dir' ? old.subtree : undefined, (subtree) => {
            this.put(dir, slot, { ...e, subtree }, old);
            this.settle(dir);
          });
          break;
        }
        case 'file':
          this.summary.files++;
          this.progress.files++;
          if (unchanged(old, e) && old.content.every((id) => this.writer.has(id))) {
            this.summary.unchangedFiles++;
            this.summary.bytes += e.size ?? 0;
            this.progress.bytes += e.size ?? 0;
            this.put(dir, undefined, { ...e, content: old.content }, old);
            break;
          }
          if (old) this.summary.changedFiles++;
          else this.summary.newFiles++;
          await this.storeFile(dir, childRel, e);
          break;
        case 'symlink':
          this.summary.symlinks++;
          this.put(dir, undefined, e, old);
          break;
        case 'other':
          this.summary.others++;
          this.error(childRel, new Error(`${e.kind ?? 'special file'} recorded but its content is not backed up`));
          this.put(dir, undefined, e, old);
          break;
      }
    }
    dir.walked = true;
    if (dir.pending === 0) this.finish(dir);
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
    if (files && this.source.localPath) return files.scanDir(this.source.localPath(rel));
    return this.source.readDir(rel);
  }

  /** Asks for the listing of `rel` ahead of the walk, when folders are listed off this thread. */
  private prefetch(rel: string | undefined): void {
    if (rel === undefined || !this.opts.files || !this.source.localPath || this.prefetched.has(rel)) return;
    const p = this.readDir(rel);
    p.catch(() => undefined); // seen when the walk takes it
    this.prefetched.set(rel, p);
  }

  /** Sets the node at `slot` of `dir` (or appends it), noting whether it is the parent tree's `old`. */
  private put(dir: OpenDir, slot: number | undefined, node: TreeNode, old: TreeNode | undefined): void {
    if (slot === undefined) dir.nodes.push(node);
    else dir.nodes[slot] = node;
    if (dir.same && (old === undefined || !sameNode(node, old))) dir.same = false;
  }

  /** Reserves the next slot of `dir` for an entry that finishes later. */
  private open(dir: OpenDir): number {
    dir.pending++;
    return dir.nodes.push(undefined) - 1;
  }

  /** One entry of `dir` finished: its tree is saved once all are. */
  private settle(dir: OpenDir): void {
    dir.pending--;
    if (dir.walked && dir.pending === 0) this.finish(dir);
  }

  private finish(dir: OpenDir): void {
    this.openDirs--;
    const nodes = dir.nodes.filter((n): n is TreeNode => n !== undefined);
    dir.nodes.length = 0;
    // Nothing changed in this folder: its tree is the parent's, already stored.
    if (dir.same && dir.parent && nodes.length === dir.parent.count && this.writer.has(dir.parent.id)) {
      this.stats.treesReused++;
      dir.done(dir.parent.id);
      return;
    }
    const saving: Promise<void> = this.saveTree({ nodes })
      .then(dir.done, (err: unknown) => this.fail(err))
      .finally(() => this.saving.delete(saving));
    this.saving.add(saving);
    this.stats.maxSavingTrees = Math.max(this.stats.maxSavingTrees, this.saving.size);
  }

  /** Hands a new or changed file to be stored; its node fills slot of `dir` when done. */
  private async storeFile(dir: OpenDir, childRel: string, e: EntryMeta): Promise<void> {
    const slot = this.open(dir);
    const files = this.opts.files;
    const local = files && this.source.localPath ? this.source.localPath(childRel) : undefined;
    if (local !== undefined && files) {
      this.progress.current = childRel;
      const wait = files.storeFile(local, e.size ?? 0, (r) => {
        if (r.error !== undefined) {
          this.error(childRel, new Error(r.error));
          this.summary.files--;
        } else {
          this.summary.bytes += r.size;
          dir.nodes[slot] = { ...e, size: r.size, content: r.content };
        }
        dir.same = false;
        this.settle(dir);
      });
      if (wait) await wait;
      return;
    }
    // A remote source: several files in flight, each in its own slot of the tree.
    await this.streamed.turn();
    this.saveFile(childRel, e)
      .then((node) => {
        if (node) dir.nodes[slot] = node;
        else this.summary.files--;
        dir.same = false;
        this.settle(dir);
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
    while (this.saving.size > 0) await Promise.all([...this.saving]);
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
    const bytes = encodeTree(tree, this.repo.config.version);
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
  const a = new Archiver(repo, writer, source, opts);
  const rootMeta = await source.stat();
  const parentRoot = opts.parent?.snapshot.root;
  let root: TreeNode;
  if (rootMeta.type === 'dir') {
    let subtree: string | undefined;
    await a.walkDir('', parentRoot?.type === 'dir' ? parentRoot.subtree : undefined, (id) => (subtree = id));
    await untilAborted(a.settled(), opts.signal);
    opts.onWalkStats?.(a.stats);
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
