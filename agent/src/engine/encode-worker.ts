/**
 * Worker thread body: compresses and encrypts blobs sent by EncodePool. Receives
 * batches of jobs, answers with batches of encoded blobs (ArrayBuffers transferred,
 * not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareKey } from './aead.js';
import { type CodecOptions, encode } from './codec.js';
import { blobAad } from './pack.js';
import { ownedBuffer } from './hash.js';
import type { EncodeJob, EncodeResult, WorkerInit } from './encode-protocol.js';
import { boundHeap } from './gc-hint.js';

boundHeap();
const init = workerData as WorkerInit;
const opts: CodecOptions = { key: init.key ? prepareKey(Buffer.from(init.key)) : undefined, level: init.level };

parentPort?.on('message', (jobs: EncodeJob[]) => {
  const results: EncodeResult[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const j of jobs) {
    const data = new Uint8Array(j.data);
    const enc = ownedBuffer(encode(opts, data, blobAad(j.type, new Uint8Array(j.id))));
    results.push({ seq: j.seq, encoded: enc.buffer as ArrayBuffer });
    transfer.push(enc.buffer as ArrayBuffer);
  }
  parentPort?.postMessage(results, transfer);
});
