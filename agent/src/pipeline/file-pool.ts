/**
 * Main-thread side of the file workers: hands local files to worker threads (which
 * read, chunk, hash and encode them) and feeds the encoded new chunks to a
 * RepoWriter. Bounds the work in flight by file count and bytes, so memory stays
 * bounded whatever the tree.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { BlobType } from '../engine/pack.js';
import type { RepoWriter } from '../engine/repo-writer.js';
import type { Repository } from '../engine/repository.js';
import type { LocalFileStore, StoredFile } from '../engine/archiver.js';
import type { DirListing } from '../connectors/source.js';
import { ownedBuffer } from '../engine/hash.js';
import type { BlobJob, BlobResult, FileJob, FileResult, FileWorkerInit, ScanJob, ScanResult } from './file-protocol.js';

interface Running {
  readonly content: string[];
  size: number;
  readonly expected: number;
  counted: number;
  readonly done: (o: StoredFile) => void;
  readonly worker: number;
}

/** Files handed over and not finished, at most. */
export const FILES_IN_FLIGHT = 512;
/** A worker's queue is sent once it holds this many files or bytes (or when the walk waits). */
const SEND_FILES = 64;
const SEND_BYTES = 1 << 20;
/** What a folder listing weighs when choosing a worker, in bytes of file content. */
const SCAN_LOAD = 256 * 1024;
/** Bytes of file content handed to workers and not yet processed; a file is handed over whenever the total is below this. */
const MAX_BYTES = 48 * 1024 * 1024;

/** Worker threads that turn local files into stored chunks. */
export class FilePool implements LocalFileStore {
  private readonly workers: Worker[] = [];
  private readonly running = new Map<number, Running>();
  private readonly queued: FileJob[][] = [];
  private readonly loadBytes: number[] = [];
  private readonly queuedBytes: number[] = [];
  private init: FileWorkerInit | undefined;
  private next = 0;
  private nextScan = 0;
  private nextBlob = 0;
  private readonly blobs = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private readonly queuedBlobs: BlobJob[][] = [];
  private readonly scans = new Map<number, { resolve: (l: DirListing) => void; reject: (e: Error) => void; worker: number }>();
  private bytes = 0;
  private waiters: (() => void)[] = [];
  private failed: Error | undefined;
  private scheduled = false;
  /** Whether a worker has loaded and takes folder listings (about 0.1 s after the first start). */
  listsReady = false;
  /** Called with each file's progress in bytes. */
  onBytes: ((n: number) => void) | undefined;

  /**
   * Workers start when first needed (one for folder listings, all on the first file
   * or blob to encode), so a backup where nothing changed runs one. They share the
   * index's blob keys as they are at the first start (MasterIndex.knownIds: shared
   * memory, not copied).
   */
  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly size = Math.max(1, os.availableParallelism()),
  ) {}

  /** Starts the worker that lists folders, so that it loads while the backup gets ready. */
  warmUp(): void {
    this.start(1);
  }

  /**
   * Starts workers until `count` run. Folder listings need one (a backup where nothing
   * changed starts no more); the first file or blob to encode starts them all.
   */
  private start(count: number): void {
    if (this.workers.length >= count) return;
    const init = (this.init ??= this.workerInit());
    while (this.workers.length < count) this.spawn(init);
  }

  private workerInit(): FileWorkerInit {
    const init: FileWorkerInit = {
      dataKey: this.repo.keys.data ?? null,
      level: this.repo.codec.level,
      idKey: this.repo.keys.id,
      chunkerSecret: this.repo.keys.chunker,
      params: this.repo.chunker.params,
      known: this.repo.index.knownIds(),
    };
    return init;
  }

  private spawn(init: FileWorkerInit): void {
    const w = new Worker(new URL('./file-worker.js', import.meta.url), { workerData: init });
    w.on('message', (m: FileResult[] | ScanResult | BlobResult | { ready: true }) => {
      if (Array.isArray(m)) for (const r of m) this.onResult(r);
      else if ('scan' in m) this.onScan(m);
      else if ('blob' in m) this.onBlob(m);
      else this.listsReady = true;
    });
    w.on('error', (err) => this.fail(err));
    this.workers.push(w);
    this.queued.push([]);
    this.loadBytes.push(0);
    this.queuedBytes.push(0);
    this.queuedBlobs.push([]);
  }

  private fail(err: Error): void {
    this.failed ??= err;
    this.running.clear();
    for (const s of this.scans.values()) s.reject(err);
    this.scans.clear();
    for (const b of this.blobs.values()) b.reject(err);
    this.blobs.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private full(): boolean {
    return this.running.size >= FILES_IN_FLIGHT || this.bytes >= MAX_BYTES;
  }

  /** Resolves when there is room to hand over another file. */
  private async room(): Promise<void> {
    while (!this.failed && this.running.size > 0 && this.full()) {
      this.flushQueues();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.failed) throw this.failed;
    await this.writer.waitForRoom();
  }

  /**
   * Hands the file at `path` (expected `size` bytes) to a worker; `done` gets its
   * outcome. Files travel in batches (SEND_FILES or SEND_BYTES per worker, or whatever is
   * queued when the caller has to wait or yields), so a small file costs no message of
   * its own. Returns a promise to wait on when the pool or the writer is full.
   */
  storeFile(path: string, size: number, done: (o: StoredFile) => void): Promise<void> | undefined {
    this.start(this.size);
    if (this.failed) return Promise.reject(this.failed);
    const job = this.next++;
    const best = this.leastLoaded();
    this.loadBytes[best] = (this.loadBytes[best] ?? 0) + size + 4096;
    this.bytes += size;
    this.running.set(job, { content: [], size: 0, expected: size, counted: 0, done, worker: best });
    const q = this.queued[best] as FileJob[];
    q.push({ job, path, size });
    this.queuedBytes[best] = (this.queuedBytes[best] ?? 0) + size;
    if (q.length >= SEND_FILES || (this.queuedBytes[best] ?? 0) >= SEND_BYTES) this.send(best);
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQueues());
    }
    if (this.full() || this.writer.full) return this.room();
    return undefined;
  }

  /** The worker with the least work handed over and not done (bytes of files; a listing counts as SCAN_LOAD). */
  private leastLoaded(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if ((this.loadBytes[i] ?? 0) < (this.loadBytes[best] ?? 0)) best = i;
    return best;
  }

  private send(i: number, scans: ScanJob[] = []): void {
    const q = this.queued[i];
    const blobs = this.queuedBlobs[i];
    if (!q || !blobs || (q.length === 0 && scans.length === 0 && blobs.length === 0)) return;
    this.queuedBytes[i] = 0;
    const sent = blobs.splice(0);
    this.workers[i]?.postMessage({ scans, blobs: sent, files: q.splice(0) }, sent.map((b) => b.data));
  }

  /**
   * Encodes (compresses and encrypts) a blob on a worker, e.g. a tree, so this thread
   * only serialises it. `data` must own its ArrayBuffer or is copied; it is transferred.
   */
  encodeBlob(type: BlobType, id: Buffer, data: Buffer): Promise<Buffer> {
    this.start(this.size);
    if (this.failed) return Promise.reject(this.failed);
    const blob = this.nextBlob++;
    const best = this.leastLoaded();
    const p = new Promise<Buffer>((resolve, reject) => this.blobs.set(blob, { resolve, reject }));
    this.queuedBlobs[best]?.push({ blob, type, id: Buffer.from(id), data: ownedBuffer(data).buffer as ArrayBuffer });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQueues());
    }
    return p;
  }

  private onBlob(r: BlobResult): void {
    const b = this.blobs.get(r.blob);
    if (!b) return;
    this.blobs.delete(r.blob);
    if (r.encoded) b.resolve(Buffer.from(r.encoded));
    else b.reject(new CofferError(ErrorCode.Internal, `encoding a blob failed: ${r.error ?? 'unknown error'}`));
  }

  /**
   * Lists the folder at absolute path `path` on a worker (connectors/fs-source.ts
   * listDir: the same entries, metadata and per-entry errors as FsSource.readDir), so
   * folders ahead of the walk are read on both cores. Rejects as readDir would when the
   * folder itself cannot be read.
   */
  scanDir(path: string): Promise<DirListing> {
    this.start(1);
    if (this.failed) return Promise.reject(this.failed);
    const scan = this.nextScan++;
    const best = this.leastLoaded();
    this.loadBytes[best] = (this.loadBytes[best] ?? 0) + SCAN_LOAD;
    const p = new Promise<DirListing>((resolve, reject) => this.scans.set(scan, { resolve, reject, worker: best }));
    this.send(best, [{ scan, path }]);
    return p;
  }

  private onScan(r: ScanResult): void {
    const s = this.scans.get(r.scan);
    if (!s) return;
    this.scans.delete(r.scan);
    this.loadBytes[s.worker] = (this.loadBytes[s.worker] ?? 0) - SCAN_LOAD;
    if (r.listing) s.resolve(r.listing);
    else s.reject(CofferError.from(Object.assign(new Error(r.error?.message ?? 'folder not listed'), { code: r.error?.code })));
  }

  private flushQueues(): void {
    this.scheduled = false;
    for (let i = 0; i < this.queued.length; i++) this.send(i);
  }

  private onResult(r: FileResult): void {
    const run = this.running.get(r.job);
    if (!run) return;
    for (const c of r.chunks) {
      run.content.push(c.id);
      run.size += c.rawLength;
      if (c.encoded) {
        void this.writer.addEncoded(BlobType.Data, Buffer.from(c.id, 'hex'), Buffer.from(c.encoded, c.offset ?? 0, c.length ?? c.encoded.byteLength), c.rawLength).catch((e: unknown) => this.fail(CofferError.from(e)));
      }
    }
    const n = r.chunks.reduce((s, c) => s + c.rawLength, 0);
    this.onBytes?.(n);
    // Count what is left of each file, so a large file does not hold the whole budget.
    const counted = Math.min(n, Math.max(0, run.expected - run.counted));
    run.counted += counted;
    this.bytes -= counted;
    if (!r.done) {
      this.wake();
      return;
    }
    this.running.delete(r.job);
    this.bytes -= run.expected - run.counted;
    this.loadBytes[run.worker] = (this.loadBytes[run.worker] ?? 0) - run.expected - 4096;
    this.wake();
    run.done({ content: run.content, size: run.size, ...(r.error !== undefined ? { error: r.error } : {}) });
  }

  /** Waits for every file handed over so far. */
  async drain(): Promise<void> {
    this.flushQueues();
    while (this.running.size > 0 && !this.failed) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failed) throw new CofferError(ErrorCode.Internal, `file worker failed: ${this.failed.message}`, { cause: this.failed });
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
