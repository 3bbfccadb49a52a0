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
import type { FileJob, FileResult, FileWorkerInit } from './file-protocol.js';

/** Outcome of one file. */
export interface FileOutcome {
  readonly content: string[];
  readonly size: number;
  readonly error?: string;
}

interface Running {
  readonly content: string[];
  size: number;
  readonly expected: number;
  counted: number;
  readonly resolve: (o: FileOutcome) => void;
  readonly reject: (e: Error) => void;
  readonly worker: number;
}

const MAX_FILES = 256;
/** Bytes of file content handed to workers and not yet processed; a file is handed over whenever the total is below this. */
const MAX_BYTES = 48 * 1024 * 1024;

/** Worker threads that turn local files into stored chunks. */
export class FilePool {
  private readonly workers: Worker[] = [];
  private readonly running = new Map<number, Running>();
  private readonly queued: FileJob[][] = [];
  private readonly loadBytes: number[] = [];
  private next = 0;
  private bytes = 0;
  private waiters: (() => void)[] = [];
  private failed: Error | undefined;
  private scheduled = false;
  /** Called with each file's progress in bytes. */
  onBytes: ((n: number) => void) | undefined;

  /**
   * Workers start on the first file handed over, so a backup where nothing changed
   * pays nothing for them. They share the index's blob keys as they are then
   * (MasterIndex.knownIds: shared memory, not copied).
   */
  constructor(
    private readonly repo: Repository,
    private readonly writer: RepoWriter,
    private readonly size = Math.max(1, os.availableParallelism()),
  ) {}

  private start(): void {
    const init: FileWorkerInit = {
      dataKey: this.repo.keys.data ?? null,
      level: this.repo.codec.level,
      idKey: this.repo.keys.id,
      chunkerSecret: this.repo.keys.chunker,
      params: this.repo.chunker.params,
      known: this.repo.index.knownIds(),
    };
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(new URL('./file-worker.js', import.meta.url), { workerData: init });
      w.on('message', (rs: FileResult[]) => {
        for (const r of rs) this.onResult(r);
      });
      w.on('error', (err) => this.fail(err));
      this.workers.push(w);
      this.queued.push([]);
      this.loadBytes.push(0);
    }
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const r of this.running.values()) r.reject(err);
    this.running.clear();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when there is room to hand over another file. */
  private async room(): Promise<void> {
    while (!this.failed && this.running.size > 0 && (this.running.size >= MAX_FILES || this.bytes >= MAX_BYTES)) {
      this.flushQueues();
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.failed) throw this.failed;
    await this.writer.waitForRoom();
  }

  /** Reads and stores the file at `path` (expected `size` bytes). */
  async storeFile(path: string, size: number): Promise<FileOutcome> {
    if (this.workers.length === 0) this.start();
    await this.room();
    const job = this.next++;
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if ((this.loadBytes[i] ?? 0) < (this.loadBytes[best] ?? 0)) best = i;
    this.loadBytes[best] = (this.loadBytes[best] ?? 0) + size + 4096;
    this.bytes += size;
    const p = new Promise<FileOutcome>((resolve, reject) =>
      this.running.set(job, { content: [], size: 0, expected: size, counted: 0, resolve, reject, worker: best }),
    );
    this.queued[best]?.push({ job, path, size });
    if ((this.queued[best]?.length ?? 0) >= 16) this.flushQueues();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushQueues());
    }
    return p;
  }

  private flushQueues(): void {
    this.scheduled = false;
    this.queued.forEach((q, i) => {
      if (q.length === 0) return;
      this.workers[i]?.postMessage(q.splice(0));
    });
  }

  private onResult(r: FileResult): void {
    const run = this.running.get(r.job);
    if (!run) return;
    for (const c of r.chunks) {
      run.content.push(c.id);
      run.size += c.rawLength;
      if (c.encoded) {
        void this.writer.addEncoded(BlobType.Data, Buffer.from(c.id, 'hex'), Buffer.from(c.encoded), c.rawLength).catch((e: unknown) => this.fail(CofferError.from(e)));
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
    run.resolve({ content: run.content, size: run.size, ...(r.error !== undefined ? { error: r.error } : {}) });
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
