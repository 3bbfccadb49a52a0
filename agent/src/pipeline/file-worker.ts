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
import { processed } from '../engine/gc-hint.js';
import { nameToBytes } from '../engine/raw-name.js';
import type { ChunkOut, FileJob, FileResult, FileWorkerInit } from './file-protocol.js';

const init = workerData as FileWorkerInit;
const codec: CodecOptions = { key: init.dataKey ? prepareKey(Buffer.from(init.dataKey)) : undefined, level: init.level };
const idKey = Buffer.from(init.idKey);
const chunker = new Chunker(gearTable(Buffer.from(init.chunkerSecret)), init.params);
const known = KeyTable.fromSnapshot(init.known);
const READ = 1 << 20;
const window = newWindow(init.params, READ);
const BATCH_BYTES = 4 << 20;


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
    const enc = ownedBuffer(encode(codec, chunk, blobAad(BlobType.Data, id))).buffer as ArrayBuffer;
    transfer.push(enc);
    chunks.push({ id: idBuf, rawLength: chunk.length, encoded: enc });
    batch += enc.byteLength;
    if (batch >= BATCH_BYTES) {
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
    for (;;) {
      for (let r = w.wanted(); r; r = w.wanted()) w.filled(fs.readSync(file, r.buf, r.offset, r.length, null));
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

// Results of a batch of jobs travel together (one message per batch, or per 8 MiB).
parentPort?.on('message', (jobs: FileJob[]) => {
  let results: FileResult[] = [];
  let transfer: ArrayBuffer[] = [];
  let bytes = 0;
  for (const j of jobs) {
    processFile(j, (r, t) => {
      results.push(r);
      transfer.push(...t);
      for (const b of t) bytes += b.byteLength;
      if (bytes >= BATCH_BYTES) {
        parentPort?.postMessage(results, transfer);
        results = [];
        transfer = [];
        bytes = 0;
      }
    });
  }
  if (results.length) parentPort?.postMessage(results, transfer);
});
