/** Messages between FilePool (main thread) and its file workers. */
import type { KeyTableSnapshot } from '../engine/key-table.js';

/** Sent once, as workerData. */
export interface FileWorkerInit {
  readonly dataKey: Uint8Array | null;
  readonly level: number;
  readonly idKey: Uint8Array;
  readonly chunkerSecret: Uint8Array;
  readonly params: { readonly min: number; readonly avg: number; readonly max: number };
  /** The blobs the store had when the workers started (MasterIndex.knownIds). */
  readonly known: KeyTableSnapshot;
}

/** A file to read, chunk, hash and encode. */
export interface FileJob {
  readonly job: number;
  /** Absolute path; bytes that are not UTF-8 as U+DC80..U+DCFF (raw-name.ts). */
  readonly path: string;
  readonly size: number;
}

/** One chunk of a file: `encoded` is absent when the store already has the chunk. */
export interface ChunkOut {
  /** Hex id. */
  readonly id: string;
  readonly rawLength: number;
  readonly encoded?: ArrayBuffer;
}

/** Progress on a job; the last one has `done`, and `error` if reading failed. Workers send arrays of these. */
export interface FileResult {
  readonly job: number;
  readonly chunks: ChunkOut[];
  readonly done: boolean;
  readonly error?: string;
}
