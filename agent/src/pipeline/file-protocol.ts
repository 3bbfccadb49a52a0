/** Messages between FilePool (main thread) and its file workers. */
import type { DirListing } from '../connectors/source.js';
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
  /** The encoded chunk, or (with `offset` and `length`) the buffer it shares with the other small chunks of its message. */
  readonly encoded?: ArrayBuffer;
  readonly offset?: number;
  readonly length?: number;
}

/** Progress on a job; the last one has `done`, and `error` if reading failed. Workers send arrays of these. */
export interface FileResult {
  readonly job: number;
  readonly chunks: ChunkOut[];
  readonly done: boolean;
  readonly error?: string;
}

/** A folder to list (names, lstat and xattrs of each entry), ahead of the walk. */
export interface ScanJob {
  readonly scan: number;
  /** Absolute path; raw bytes as U+DC80..U+DCFF. */
  readonly path: string;
}

/** A blob to encode (compress and encrypt) for the store, e.g. a tree; `data` is transferred. */
export interface BlobJob {
  readonly blob: number;
  readonly type: number;
  readonly id: Uint8Array;
  readonly data: ArrayBuffer;
}

/** An encoded blob (transferred), or why it could not be encoded. */
export interface BlobResult {
  readonly blob: number;
  readonly encoded?: ArrayBuffer;
  readonly error?: string;
}

/** One message to a worker: folders to list first, then blobs to encode, then files to store. */
export interface WorkerRequest {
  readonly scans: ScanJob[];
  readonly blobs: BlobJob[];
  readonly files: FileJob[];
}

/** A folder's listing, or why the folder itself could not be read (errno `code`, message). */
export interface ScanResult {
  readonly scan: number;
  readonly listing?: DirListing;
  readonly error?: { readonly code?: string; readonly message: string };
}
