/**
 * Worker threads that verify packs (check) and decode blobs (restore), so that both
 * use every core. Jobs go to the worker with the fewest bytes outstanding.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ownedBuffer } from './hash.js';
import type { BlobRef, DecodeResult, PackWorkerInit, VerifyResult } from './pack-protocol.js';

interface Waiting {
  readonly resolve: (r: VerifyResult | DecodeResult) => void;
  readonly reject: (e: Error) => void;
  readonly worker: number;
  readonly bytes: number;
}

/** A pool of pack workers. */
export class PackPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private next = 0;

  constructor(dataKey: Uint8Array | undefined, idKey: Uint8Array, size = Math.max(1, os.availableParallelism())) {
    const init: PackWorkerInit = { dataKey: dataKey ?? null, idKey };
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./pack-worker.js', import.meta.url), { workerData: init });
      w.on('message', (r: VerifyResult | DecodeResult) => this.done(r));
      w.on('error', (err) => {
        for (const x of this.waiting.values()) x.reject(err);
        this.waiting.clear();
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  /** Bytes handed to workers and not answered yet. */
  get outstanding(): number {
    return this.load.reduce((a, b) => a + b, 0);
  }

  private send(msg: object, buf: Buffer): Promise<VerifyResult | DecodeResult> {
    const job = this.next++;
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if ((this.load[i] ?? 0) < (this.load[best] ?? 0)) best = i;
    this.load[best] = (this.load[best] ?? 0) + buf.length;
    const own = ownedBuffer(buf);
    const p = new Promise<VerifyResult | DecodeResult>((resolve, reject) => this.waiting.set(job, { resolve, reject, worker: best, bytes: buf.length }));
    this.workers[best]?.postMessage({ ...msg, job, buf: own.buffer }, [own.buffer as ArrayBuffer]);
    return p;
  }

  private done(r: VerifyResult | DecodeResult): void {
    const w = this.waiting.get(r.job);
    if (!w) return;
    this.waiting.delete(r.job);
    this.load[w.worker] = (this.load[w.worker] ?? 0) - w.bytes;
    w.resolve(r);
  }

  /** Verifies a whole pack file (transferred: `file` is unusable afterwards). */
  async verify(pack: string, file: Buffer, blobs: readonly BlobRef[]): Promise<VerifyResult> {
    return (await this.send({ kind: 'verify', pack, blobs }, file)) as VerifyResult;
  }

  /** Decodes blobs from a buffer (transferred); offsets are relative to `buf`. */
  async decode(pack: string, buf: Buffer, blobs: readonly BlobRef[]): Promise<DecodeResult> {
    return (await this.send({ kind: 'decode', pack, blobs }, buf)) as DecodeResult;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
