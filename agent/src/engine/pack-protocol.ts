/** Messages between PackPool (main thread) and pack workers. */

/** Sent once, as workerData. */
export interface PackWorkerInit {
  readonly dataKey: Uint8Array | null;
  readonly idKey: Uint8Array;
}

/** A blob inside the buffer sent along (offset relative to that buffer). */
export interface BlobRef {
  readonly type: number;
  readonly id: string;
  readonly offset: number;
  readonly length: number;
}

/** Verify a whole pack file: its name, and every blob. */
export interface VerifyJob {
  readonly job: number;
  readonly kind: 'verify';
  readonly pack: string;
  readonly buf: ArrayBuffer;
  readonly blobs: readonly BlobRef[];
}

/** Decode blobs from part of a pack. */
export interface DecodeJob {
  readonly job: number;
  readonly kind: 'decode';
  readonly pack: string;
  readonly buf: ArrayBuffer;
  readonly blobs: readonly BlobRef[];
}

/** Answer to a verify job. */
export interface VerifyResult {
  readonly job: number;
  readonly nameOk: boolean;
  readonly bad: { readonly id: string; readonly reason: string }[];
}

/** Answer to a decode job: plaintexts in the order asked, or the first error. */
export interface DecodeResult {
  readonly job: number;
  readonly data: ArrayBuffer[];
  readonly error?: string;
}
