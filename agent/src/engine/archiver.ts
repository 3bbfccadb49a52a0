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
import { chunkStream, newWindow } from './chunker.js';
import type { IgnoreMatcher } from './ignore-rules.js';
import { BlobType } from './pack.js';
import type { Progress, ProgressListener } from './progress.js';
import { hasRawBytes } from './raw-name.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { encodeSnapshot, type EntryError, type Snapshot, SNAPSHOT_AAD, type SnapshotRecord, type SnapshotSummary } from './snapshot.js';
import { encodeTree, hasRawNames, storesRawNames, type Tree, type TreeNode } from './tree.js';
import { type EntryMeta, joinRel, type Source } from '../connectors/source.js';

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
}

const MAX_ERRORS_KEPT = 1000;

/** Stores a local file by path; implemented by pipeline/file-pool.ts. */
export interface LocalFileStore {
  storeFile(path: string, size: number): Promise<{ content: string[]; size: number; error?: string }>;
  drain(): Promise<void>;
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

class Archiver {
  readonly summary: SnapshotSummary = {
    files: 0, dirs: 0, symlinks: 0, others: 0, bytes: 0, newFiles: 0, changedFiles: 0,
    unchangedFiles: 0, newBytes: 0, storedBytes: 0, durationMs: 0, errors: 0,
  };
  readonly errors: EntryError[] = [];
  readonly progress: Progress = { phase: 'backup', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };
  private lastYield = Date.now();
  /** Chunking windows not in use (24 MiB each, so at most MAX_WINDOWS exist). */
  private readonly windows: Buffer[] = [];
  private windowsMade = 0;
  private readonly windowWaiters: (() => void)[] = [];
  /** Files of a remote source being read now, and those waiting for a turn. */
  private remoteActive = 0;
  private readonly remoteWaiters: (() => void)[] = [];

  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly source: Source,
    private readonly opts: BackupOptions,
  ) {
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
    this.opts.progress?.(this.progress);
    // Let I/O completions and worker results in at least every 20 ms.
    if (Date.now() - this.lastYield > 20) {
      await new Promise<void>((r) => setImmediate(r));
      this.lastYield = Date.now();
    }
  }

  private async takeWindow(): Promise<Buffer> {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const w = this.windows.pop();
      if (w) return w;
      if (this.windowsMade < MAX_WINDOWS) {
        this.windowsMade++;
        return newWindow(this.repo.chunker.params);
      }
      await new Promise<void>((r) => this.windowWaiters.push(r));
    }
    throw new CofferError(ErrorCode.Internal, 'no chunking window became free');
  }

  private giveWindow(w: Buffer): void {
    this.windows.push(w);
    this.windowWaiters.shift()?.();
  }

  /** Waits for a turn among the REMOTE_FILES read at once from a remote source. */
  private async remoteTurn(): Promise<void> {
    while (this.remoteActive >= REMOTE_FILES) await new Promise<void>((r) => this.remoteWaiters.push(r));
    this.remoteActive++;
  }

  private remoteDone(): void {
    this.remoteActive--;
    this.remoteWaiters.shift()?.();
  }

  async saveFile(rel: string, meta: EntryMeta): Promise<TreeNode | undefined> {
    this.progress.current = rel;
    let f;
    try {
      f = await this.source.open(rel, meta.size);
    } catch (err) {
      this.error(rel, err);
      return undefined;
    }
    const content: string[] = [];
    let size = 0;
    const add = async (chunk: Buffer): Promise<void> => {
      const id = this.repo.idOf(chunk);
      size += chunk.length;
      this.progress.bytes += chunk.length;
      content.push(id.toString('hex'));
      await this.writer.addBlob(BlobType.Data, id, chunk);
    };
    try {
      const expected = meta.size ?? 0;
      if (expected > 0 && expected <= this.repo.chunker.params.min) {
        // A small file is one chunk: read it straight into its own buffer.
        const buf = Buffer.allocUnsafeSlow(expected);
        let got = 0;
        while (got < expected) {
          const n = await f.read(buf, got, expected - got);
          if (n === 0) break;
          got += n;
        }
        if (got > 0) await add(got === expected ? buf : Buffer.from(buf.subarray(0, got)));
        if (got < expected) {
          this.summary.bytes += size;
          return { ...meta, size, content };
        }
      }
      const window = await this.takeWindow();
      try {
        for await (const chunk of chunkStream(this.repo.chunker, (b, o, l) => f.read(b, o, l), window)) await add(chunk);
      } finally {
        this.giveWindow(window);
      }
    } catch (err) {
      this.error(rel, err);
      return undefined;
    } finally {
      await f.close();
    }
    this.summary.bytes += size;
    return { ...meta, size, content };
  }

  /** Stores the tree of directory `rel` and returns its id. */
  async saveDir(rel: string, parentTree: string | undefined): Promise<string> {
    let listing;
    try {
      listing = await this.source.readDir(rel);
    } catch (err) {
      // The root itself unreadable: nothing would be backed up, so this is a failure, not a partial backup.
      if (rel === '') throw new CofferError(ErrorCode.Permission, `cannot read the source ${this.source.location}: ${CofferError.from(err).message}`, { cause: err });
      this.error(rel, err);
      listing = { entries: [], errors: [] };
    }
    for (const e of listing.errors) this.error(joinRel(rel, e.name), new Error(e.message));
    let prev: Map<string, TreeNode> | undefined;
    if (parentTree) {
      try {
        prev = new Map((await this.repo.loadTree(parentTree)).nodes.map((n) => [n.name, n]));
      } catch {
        prev = undefined; // damaged parent: read everything again
      }
    }
    const entries = this.representable(rel, listing.entries).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const nodes: (TreeNode | undefined)[] = [];
    const pending: Promise<void>[] = [];
    for (const e of entries) {
      const childRel = joinRel(rel, e.name);
      if (this.opts.ignore(childRel, e.type === 'dir')) continue;
      const old = prev?.get(e.name);
      await this.tick();
      switch (e.type) {
        case 'dir': {
          this.summary.dirs++;
          const subtree = await this.saveDir(childRel, old?.type === 'dir' ? old.subtree : undefined);
          nodes.push({ ...e, subtree });
          break;
        }
        case 'file': {
          this.summary.files++;
          this.progress.files++;
          if (unchanged(old, e) && old.content.every((id) => this.writer.has(id))) {
            this.summary.unchangedFiles++;
            this.summary.bytes += e.size ?? 0;
            this.progress.bytes += e.size ?? 0;
            nodes.push({ ...e, content: old.content });
            break;
          }
          if (old) this.summary.changedFiles++;
          else this.summary.newFiles++;
          const local = this.opts.files && this.source.localPath ? this.source.localPath(childRel) : undefined;
          if (local !== undefined && this.opts.files) {
            const slot = nodes.push(undefined) - 1;
            this.progress.current = childRel;
            const work = this.opts.files.storeFile(local, e.size ?? 0);
            pending.push(
              work.then((r) => {
                if (r.error !== undefined) {
                  this.error(childRel, new Error(r.error));
                  this.summary.files--;
                  return;
                }
                this.summary.bytes += r.size;
                nodes[slot] = { ...e, size: r.size, content: r.content };
              }),
            );
            break;
          }
          // A remote source: several files in flight, each in its own slot of the tree.
          const at = nodes.push(undefined) - 1;
          await this.remoteTurn();
          pending.push(
            this.saveFile(childRel, e)
              .then((node) => {
                if (node) nodes[at] = node;
                else this.summary.files--;
              })
              .finally(() => this.remoteDone()),
          );
          break;
        }
        case 'symlink':
          this.summary.symlinks++;
          nodes.push(e);
          break;
        case 'other':
          this.summary.others++;
          this.error(childRel, new Error(`${e.kind ?? 'special file'} recorded but its content is not backed up`));
          nodes.push(e);
          break;
      }
    }
    await untilAborted(Promise.all(pending), this.opts.signal);
    return this.saveTree({ nodes: nodes.filter((n): n is TreeNode => n !== undefined) });
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
    await this.writer.addBlob(BlobType.Tree, id, own);
    await this.writer.checkpoint();
    return id.toString('hex');
  }
}

/**
 * `p`, or an Interrupted error as soon as `signal` aborts: files handed to the file workers
 * are not waited for after a cancel (the caller stops the workers; the store stays valid).
 */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? untilInterrupted(p, signal, 'backup interrupted') : p;
}

/** Files of a remote source read at once (each SFTP read is a round trip; latency hides behind the others). */
const REMOTE_FILES = 8;
/** Chunking windows at most (each 2 × max chunk + a read: 24 MiB), shared by the files in flight. */
const MAX_WINDOWS = 2;

/** Backs up `source` into `repo`; returns the new snapshot. */
export async function backup(repo: Repository, writer: RepoWriter, source: Source, opts: BackupOptions): Promise<SnapshotRecord> {
  const now = opts.now ?? ((): Date => new Date());
  const start = now();
  const a = new Archiver(repo, writer, source, opts);
  const rootMeta = await source.stat();
  const parentRoot = opts.parent?.snapshot.root;
  let root: TreeNode;
  if (rootMeta.type === 'dir') {
    const subtree = await a.saveDir('', parentRoot?.type === 'dir' ? parentRoot.subtree : undefined);
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
