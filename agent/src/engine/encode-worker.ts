/**
 * Worker thread body: compresses and encrypts blobs sent by EncodePool. Receives
 * batches of jobs, answers with batches of encoded blobs (ArrayBuffers transferred,
 * not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareKey } from './aead.js';
import { type CodecOptions, encode } from './codec.js';
import { blobAad } from './pack.js';
import type { EncodeJob, EncodeResult, WorkerInit } from './encode-protocol.js';

const init = workerData as WorkerInit;
const opts: CodecOptions = { key: init.key ? prepareKey(Buffer.from(init.key)) : undefined, level: init.level };

/** Returns `b` as a Buffer that owns its whole ArrayBuffer (safe to transfer). */
function owned(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const o = Buffer.allocUnsafeSlow(b.length);
  b.copy(o);
  return o;
}

parentPort?.on('message', (jobs: EncodeJob[]) => {
  const results: EncodeResult[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const j of jobs) {
    const data = new Uint8Array(j.data);
    const enc = owned(encode(opts, data, blobAad(j.type, new Uint8Array(j.id))));
    results.push({ seq: j.seq, encoded: enc.buffer as ArrayBuffer });
    transfer.push(enc.buffer as ArrayBuffer);
  }
  parentPort?.postMessage(results, transfer);
});
