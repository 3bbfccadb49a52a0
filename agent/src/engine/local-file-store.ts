/**
 * The port through which a backup stores files of a local source off its own thread
 * (implemented by pipeline/file-pool.ts): files handed over by path, folders listed,
 * blobs encoded. See each member for what it guarantees.
 */
import type { DirListing } from '../connectors/source.js';
import type { BlobType } from './pack.js';

/** What became of one file handed to a LocalFileStore. */
export interface StoredFile {
  readonly content: string[];
  readonly size: number;
  readonly error?: string;
}

/** Stores local files by path; implemented by pipeline/file-pool.ts. */
export interface LocalFileStore {
  /**
   * Hands over the file at `path` (expected `size` bytes); `done` is called once with
   * its outcome, later. Returns a promise when the caller must wait for room before
   * handing over the next file, undefined when it need not.
   */
  storeFile(path: string, size: number, done: (r: StoredFile) => void): Promise<void> | undefined;
  /** Resolves when every file handed over is done (each `done` called). */
  drain(): Promise<void>;
  /** Lists a local folder by absolute path, as the source's readDir would, off this thread. */
  scanDir(path: string): Promise<DirListing>;
  /** Whether scanDir runs yet (its thread loaded); until then folders are listed here. */
  readonly listsReady: boolean;
  /** Gets scanDir's thread loading. */
  warmUp(): void;
  /** Encodes a blob for the store off this thread; `data` is handed over. */
  encodeBlob(type: BlobType, id: Buffer, data: Buffer): Promise<Buffer>;
  /** Set by the archiver: told how many bytes of content were processed. */
  onBytes: ((n: number) => void) | undefined;
}
