/**
 * Snapshots: immutable records of one backup. Stored as their own encoded file under
 * `snapshots/`, named by the keyed hash of the stored bytes. Pure: no I/O.
 */
import type { TreeNode } from './tree.js';

export const SNAPSHOT_AAD = Buffer.from('coffer/v1/snapshot', 'utf8');

/** Counts and timings of a backup. */
export interface SnapshotSummary {
  files: number;
  dirs: number;
  symlinks: number;
  others: number;
  /** Bytes of file content in the snapshot. */
  bytes: number;
  newFiles: number;
  changedFiles: number;
  unchangedFiles: number;
  /** Bytes of chunks that were new to the store (before compression). */
  newBytes: number;
  /** Bytes actually written to the store for this backup (after compression and encryption). */
  storedBytes: number;
  durationMs: number;
  errors: number;
}

/** An error met while backing up one path. */
export interface EntryError {
  readonly path: string;
  readonly message: string;
}

/** A snapshot as stored. */
export interface Snapshot {
  readonly version: 1;
  /** ISO-8601 time the backup started. */
  readonly time: string;
  readonly host: string;
  readonly user: string;
  readonly source: {
    /** Connector type, e.g. fs or sftp. */
    readonly type: string;
    /** Where the data came from, for display and for finding the parent snapshot. */
    readonly location: string;
  };
  readonly tags: readonly string[];
  /** The backed-up root (a directory node with a subtree, or a single file). */
  readonly root: TreeNode;
  /** Id of the snapshot used for change detection, if any. */
  readonly parent?: string;
  readonly summary: SnapshotSummary;
  /** The first errors (at most 1,000); `summary.errors` has the count. */
  readonly errors: readonly EntryError[];
  readonly program: string;
  /** Set by sync: the store and snapshot this one was copied from. */
  readonly copiedFrom?: { readonly store: string; readonly id: string };
  /**
   * Set by `repair snapshots`: the snapshot this one replaces, when, and the paths
   * removed because their data was lost (a directory whose listing was lost ends
   * with '/' and is kept empty; at most 1,000 listed, `lostCount` has the count).
   */
  readonly repaired?: { readonly from: string; readonly time: string; readonly lostCount: number; readonly lost: readonly string[] };
}

/** A snapshot with its id (the file name). */
export interface SnapshotRecord {
  readonly id: string;
  readonly snapshot: Snapshot;
}

/** Serialises a snapshot. */
export function encodeSnapshot(s: Snapshot): Buffer {
  return Buffer.from(JSON.stringify(s), 'utf8');
}

/** Parses a snapshot. */
export function decodeSnapshot(b: Buffer): Snapshot {
  return JSON.parse(b.toString('utf8')) as Snapshot;
}
