/**
 * Pack worker: verifies whole packs (check) and decodes blobs (restore) off the main
 * thread: decrypt, decompress and re-hash against the blob id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareKey } from './aead.js';
import { type CodecOptions, decode } from './codec.js';
import { hashKeyed, ownedBuffer } from './hash.js';
import { blobAad, BlobType } from './pack.js';
import { boundHeap, processed } from './gc-hint.js';
import type { BlobRef, DecodeJob, DecodeResult, PackWorkerInit, VerifyJob, VerifyResult } from './pack-protocol.js';

boundHeap();
const init = workerData as PackWorkerInit;
const codec: CodecOptions = { key: init.dataKey ? prepareKey(Buffer.from(init.dataKey)) : undefined, level: 0 };
const idKey = Buffer.from(init.idKey);

function decodeOne(buf: Buffer, b: BlobRef): Buffer {
  if (b.offset + b.length > buf.length) throw new Error('the pack is truncated');
  const id = Buffer.from(b.id, 'hex');
  const type = b.type === 1 ? BlobType.Tree : BlobType.Data;
  const plain = decode(codec, buf.subarray(b.offset, b.offset + b.length), blobAad(type, id));
  if (!hashKeyed(idKey, plain).equals(id)) throw new Error('hash mismatch');
  return plain;
}

function verify(j: VerifyJob): VerifyResult {
  const buf = Buffer.from(j.buf);
  const nameOk = hashKeyed(idKey, buf).toString('hex') === j.pack;
  const bad: { id: string; reason: string }[] = [];
  for (const b of j.blobs) {
    try {
      decodeOne(buf, b);
    } catch (err) {
      bad.push({ id: b.id, reason: (err as Error).message });
    }
  }
  return { job: j.job, nameOk, bad };
}

function decodeAll(j: DecodeJob): { result: DecodeResult; transfer: ArrayBuffer[] } {
  const buf = Buffer.from(j.buf);
  const data: ArrayBuffer[] = [];
  try {
    for (const b of j.blobs) {
      const plain = decodeOne(buf, b);
      const own = ownedBuffer(plain);
      data.push(own.buffer as ArrayBuffer);
    }
    return { result: { job: j.job, data }, transfer: data };
  } catch (err) {
    return { result: { job: j.job, data: [], error: `blob in pack ${j.pack.slice(0, 12)} is damaged (${(err as Error).message})` }, transfer: [] };
  }
}

parentPort?.on('message', (j: VerifyJob | DecodeJob) => {
  processed(j.buf.byteLength * 3);
  if (j.kind === 'verify') parentPort?.postMessage(verify(j));
  else {
    const { result, transfer } = decodeAll(j);
    parentPort?.postMessage(result, transfer);
  }
});
