/**
 * The destination port (exporter): where a restore writes. Paths are relative to the
 * destination root, '/'-separated. Guarantees: a file appears under its final name
 * only once completely written (temporary name, then rename), except in a folder this
 * restore made and that nobody else can enter: there a destination may write it in
 * place under its final name, and a restore killed outright (not stopped: a stopped one
 * aborts its files) can leave it partly written, with times not the snapshot's, so
 * `--overwrite if-changed` restores it again (fs-file.ts says what is left); nothing is created
 * outside the root (a symlink on the way, even one swapped in during the restore, is
 * refused with a per-entry error, not followed); `setMetadata` never follows symlinks.
 * Paths and symlink targets are raw-name strings (engine/raw-name.ts): bytes that are
 * not UTF-8 are U+DC80..U+DCFF.
 */
import type { TreeNode } from '../engine/tree.js';

/** What is at a path, if anything. */
export interface ExistingEntry {
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly size: number;
  /** ns since the epoch, decimal. */
  readonly mtime: string;
}

/** A file being written. The caller makes one call at a time on it (each awaited before the next). */
export interface DestinationFile {
  /**
   * Writes `data` at `position`. Each byte range is written at most once; ranges never
   * written read as zeros (a destination may leave them, and zeros, as holes).
   */
  write(data: Uint8Array, position: number): Promise<void>;
  /**
   * Makes the file visible under its final name (replacing what is there) and applies
   * `node`'s metadata (mode, times, ownership when permitted, xattrs).
   */
  commit(node: TreeNode): Promise<void>;
  /** Removes the temporary file. */
  abort(): Promise<void>;
}

/** A place to restore into. */
export interface Destination {
  readonly location: string;
  /**
   * The finest step of the times it sets, in nanoseconds (local disk through Node's
   * utimes: 1,000; SFTP v3: whole seconds). Times equal to that precision are the same.
   * @default 1
   */
  readonly timePrecisionNs?: number;
  /** Creates the root if needed; resolves true when it was created (so it is empty). */
  prepare(): Promise<boolean>;
  lookup(rel: string): Promise<ExistingEntry | undefined>;
  /** Creates a directory (existing ones are fine); resolves true when it was created, so it is empty. */
  makeDir(rel: string): Promise<boolean>;
  /**
   * Starts the file `rel`. `node`, when given, is what `commit` will be given, so the
   * destination may create the file with its final mode at once. Several files may be
   * in flight at once.
   */
  createFile(rel: string, node?: TreeNode): Promise<DestinationFile>;
  makeSymlink(rel: string, target: string): Promise<void>;
  /**
   * Creates the FIFO or device node `node` at `rel` (replacing what is there), where the
   * destination can make special files; absent where it cannot (SFTP has no mknod).
   */
  makeSpecial?(rel: string, node: TreeNode): Promise<void>;
  /** Why `makeSpecial` would refuse `node` (a socket; a device when not root), or undefined. */
  specialRefusal?(node: TreeNode): string | undefined;
  /** Creates `rel` as a hard link to the already restored `existingRel`. */
  makeHardlink(rel: string, existingRel: string): Promise<void>;
  /** Applies mode, times, ownership (when permitted) and xattrs of `node`. */
  setMetadata(rel: string, node: TreeNode): Promise<void>;
  /** Removes what is at `rel` (file, symlink or empty dir). */
  remove(rel: string): Promise<void>;
  close(): Promise<void>;
}
