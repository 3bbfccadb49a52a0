/**
 * File worker: reads a local file, splits it into chunks, hashes them, and
 * compresses and encrypts the chunks the store does not have yet. Doing all of it on
 * worker threads keeps both cores busy and avoids moving raw data between threads:
 * only encoded new chunks travel (transferred, not copied). A path's raw bytes
 * (U+DC80..U+DCFF, raw-name.ts) reach the file system as the bytes they stand for.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { prepareKey } from '../engine/aead.js';
import { Chunker, ChunkWindow, gearTable, newWindow } from '../engine/chunker.js';
import { type CodecOptions, encode } from '../engine/codec.js';
import { hashKeyed, ownedBuffer } from '../engine/hash.js';
import { KeyTable } from '../engine/key-table.js';
import { blobAad, BlobType } from '../engine/pack.js';
import { boundHeap, processed } from '../engine/gc-hint.js';
import { nameToBytes } from '../engine/raw-name.js';
import { listDir } from '../connectors/fs-source.js';
import type { BlobJob, BlobResult, ChunkOut, FileJob, FileResult, FileWorkerInit, ScanJob, ScanResult, WorkerRequest } from './file-protocol.js';

boundHeap();
const init = workerData as FileWorkerInit;
const codec: CodecOptions = { key: init.dataKey ? prepareKey(Buffer.from(init.dataKey)) : undefined, level: init.level };
const idKey = Buffer.from(init.idKey);
const chunker = new Chunker(gearTable(Buffer.from(init.chunkerSecret)), init.params);
const known = KeyTable.fromSnapshot(init.known);
const READ = 1 << 20;
const window = newWindow(init.params, READ);
const BATCH_BYTES = 4 << 20;
/** Encoded chunks up to this size share one buffer per message (one transfer, not one each). */
const SHARED_MAX = 64 << 10;
const ARENA = 1 << 20;

/** A chunk whose encoded bytes lie in the arena. */
type SharedChunk = { -readonly [K in keyof ChunkOut]: ChunkOut[K] };

/** The buffer small encoded chunks of the next message are copied into. */
class Arena {
  private readonly buf = new ArrayBuffer(ARENA);
  private used = 0;
  /** Where the chunks copied in since the last seal lie (their `encoded` is set to the copy sent). */
  private readonly pending: SharedChunk[] = [];

  /** Copies `b` in for chunk `c` (whose `encoded` is set when the copy is sent); false when full. */
  put(b: Buffer, c: SharedChunk): boolean {
    if (this.used + b.length > ARENA) return false;
    new Uint8Array(this.buf, this.used, b.length).set(b);
    c.offset = this.used;
    c.length = b.length;
    this.pending.push(c);
    this.used += b.length;
    return true;
  }

  get size(): number {
    return this.used;
  }

  /**
   * Hands a copy of the used part over with the message about to be posted (its chunks
   * point into it: the offsets hold) and starts again: the receiver keeps only the bytes
   * of its chunks (until their pack is saved), not a mostly empty 1 MiB buffer each.
   */
  seal(transfer: ArrayBuffer[]): void {
    if (this.used === 0) return;
    const sent = this.buf.slice(0, this.used);
    transfer.push(sent);
    this.pending.forEach((c) => (c.encoded = sent));
    this.pending.length = 0;
    this.used = 0;
  }
}
const arena = new Arena();

function processFile(j: FileJob, post: (r: FileResult, transfer: ArrayBuffer[]) => void): void {
  let chunks: ChunkOut[] = [];
  let transfer: ArrayBuffer[] = [];
  let batch = 0;
  const emit = (chunk: Buffer): void => {
    const id = hashKeyed(idKey, chunk);
    const idBuf = id.toString('hex');
    if (known.has(id)) {
      chunks.push({ id: idBuf, rawLength: chunk.length });
      return;
    }
    const encoded = encode(codec, chunk, blobAad(BlobType.Data, id));
    const shared: SharedChunk = { id: idBuf, rawLength: chunk.length };
    if (encoded.length <= SHARED_MAX && arena.put(encoded, shared)) chunks.push(shared);
    else {
      const enc = ownedBuffer(encoded).buffer as ArrayBuffer;
      transfer.push(enc);
      chunks.push({ id: idBuf, rawLength: chunk.length, encoded: enc });
    }
    batch += encoded.length;
    if (batch >= BATCH_BYTES || arena.size > ARENA - SHARED_MAX) {
      post({ job: j.job, chunks, done: false }, transfer);
      chunks = [];
      transfer = [];
      batch = 0;
    }
  };
  let fd: number | undefined;
  try {
    fd = fs.openSync(nameToBytes(j.path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const file = fd;
    const w = new ChunkWindow(chunker, window, READ);
    let total = 0;
    for (;;) {
      for (let r = w.wanted(); r; r = w.wanted()) {
        const n = fs.readSync(file, r.buf, r.offset, r.length, null);
        w.filled(n);
        total += n;
        // A short read that brings the file to its listed size is its end: no read of 0 bytes to confirm it.
        if (n > 0 && n < r.length && total === j.size) w.filled(0);
      }
      const chunk = w.take();
      if (!chunk) break;
      emit(chunk);
      processed(chunk.length * 2);
    }
    post({ job: j.job, chunks, done: true }, transfer);
  } catch (err) {
    post({ job: j.job, chunks, done: true, error: (err as Error).message }, transfer);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function scanDir(j: ScanJob): ScanResult {
  try {
    return { scan: j.scan, listing: listDir(j.path) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { scan: j.scan, error: { message: e.message, ...(e.code !== undefined ? { code: e.code } : {}) } };
  }
}

function encodeBlob(b: BlobJob): BlobResult {
  try {
    const id = Buffer.from(b.id.buffer, b.id.byteOffset, b.id.byteLength);
    const encoded = ownedBuffer(encode(codec, Buffer.from(b.data), blobAad(b.type, id))).buffer as ArrayBuffer;
    return { blob: b.blob, encoded };
  } catch (err) {
    return { blob: b.blob, error: (err as Error).message };
  }
}

// Tells the pool this worker has loaded and can take folder listings (until then the walk lists on its own thread).
parentPort?.postMessage({ ready: true });

// Folders are listed first (the walk waits for them), each answered at once; results of
// a batch of files travel together (one message per batch, or per 4 MiB).
parentPort?.on('message', (req: WorkerRequest) => {
  for (const s of req.scans) parentPort?.postMessage(scanDir(s));
  for (const b of req.blobs) {
    const r = encodeBlob(b);
    parentPort?.postMessage(r, r.encoded ? [r.encoded] : []);
  }
  let results: FileResult[] = [];
  let transfer: ArrayBuffer[] = [];
  let bytes = 0;
  const flush = (): void => {
    arena.seal(transfer);
    parentPort?.postMessage(results, transfer);
    results = [];
    transfer = [];
    bytes = 0;
  };
  for (const j of req.files) {
    processFile(j, (r, t) => {
      results.push(r);
      transfer.push(...t);
      for (const b of t) bytes += b.byteLength;
      if (bytes >= BATCH_BYTES || arena.size > ARENA - SHARED_MAX) flush();
    });
  }
  if (results.length) flush();
});
