/**
 * A pool of worker threads that compress and encrypt blobs, so that chunking and
 * hashing (main thread) and encoding (workers) use every core. Jobs are batched to
 * keep message overhead low for small blobs. With size 0 everything runs inline.
 */
import { Worker } from 'node:worker_threads';
import { CofferError } from '@coffer/shared/errors.js';
import { type CodecOptions, encode } from './codec.js';
import { ownedBuffer } from './hash.js';
import type { EncodeJob, EncodeResult, WorkerInit } from './encode-protocol.js';
import { blobAad, type BlobType } from './pack.js';

interface Pending {
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

const BATCH_BYTES = 1 << 20;
const BATCH_ITEMS = 64;

/** Encodes blobs on worker threads. */
export class EncodePool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[] = [];
  private readonly inFlight: number[][] = [];
  private batch: EncodeJob[] = [];
  private batchBytes = 0;
  private seq = 0;
  private scheduled = false;
  private failed: Error | undefined;

  constructor(
    private readonly opts: CodecOptions,
    rawKey: Uint8Array | undefined,
    size: number,
  ) {
    const init: WorkerInit = { key: rawKey ?? null, level: opts.level };
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./encode-worker.js', import.meta.url), { workerData: init });
      w.on('message', (results: EncodeResult[]) => this.onResults(i, results));
      w.on('error', (err) => this.fail(err));
      this.workers.push(w);
      this.load.push(0);
      this.inFlight.push([]);
    }
  }

  /** Encodes one blob. `data` must own its ArrayBuffer; it is transferred (unusable after). */
  encode(type: BlobType, id: Buffer, data: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.workers.length === 0 || data.length < 512) {
      try {
        return Promise.resolve(encode(this.opts, data, blobAad(type, id)));
      } catch (err) {
        return Promise.reject(CofferError.from(err));
      }
    }
    const seq = this.seq++;
    const own = ownedBuffer(data);
    const idCopy = Uint8Array.from(id);
    const p = new Promise<Buffer>((resolve, reject) => this.pending.set(seq, { resolve, reject }));
    this.batch.push({ seq, type, id: idCopy.buffer, data: own.buffer as ArrayBuffer });
    this.batchBytes += data.length;
    if (this.batchBytes >= BATCH_BYTES || this.batch.length >= BATCH_ITEMS) this.send();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.send();
      });
    }
    return p;
  }

  /** Sends the current batch to the least loaded worker. */
  send(): void {
    if (this.batch.length === 0) return;
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if ((this.load[i] ?? 0) < (this.load[best] ?? 0)) best = i;
    const jobs = this.batch;
    this.batch = [];
    this.load[best] = (this.load[best] ?? 0) + this.batchBytes;
    const transfer: ArrayBuffer[] = [];
    for (const j of jobs) transfer.push(j.data, j.id);
    this.inFlight[best]?.push(this.batchBytes);
    this.batchBytes = 0;
    this.workers[best]?.postMessage(jobs, transfer);
  }

  private onResults(worker: number, results: EncodeResult[]): void {
    // Workers answer batches in the order they were sent.
    this.load[worker] = (this.load[worker] ?? 0) - (this.inFlight[worker]?.shift() ?? 0);
    for (const r of results) {
      const p = this.pending.get(r.seq);
      this.pending.delete(r.seq);
      p?.resolve(Buffer.from(r.encoded));
    }
  }

  private fail(err: Error): void {
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
