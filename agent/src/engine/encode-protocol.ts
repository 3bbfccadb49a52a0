/** Messages between EncodePool and its workers. */
import type { BlobType } from './pack.js';

/** Sent once, as workerData. */
export interface WorkerInit {
  /** Raw 32-byte data key, or null for plaintext stores. */
  readonly key: Uint8Array | null;
  readonly level: number;
}

/** One blob to encode. `data` and `id` are transferred. */
export interface EncodeJob {
  readonly seq: number;
  readonly type: BlobType;
  readonly id: ArrayBuffer;
  readonly data: ArrayBuffer;
}

/** One encoded blob. */
export interface EncodeResult {
  readonly seq: number;
  readonly encoded: ArrayBuffer;
}
