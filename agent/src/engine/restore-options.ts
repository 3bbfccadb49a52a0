/**
 * The options, bounds and counts of a restore (restorer.ts), and how it compares times.
 */
import type { ProgressListener } from './progress.js';
import type { BatchLimits } from './restore-batch.js';
import type { PackPool } from './pack-pool.js';

/**
 * Entries a batch holds at most. A held file costs about 1 KiB (its node with its chunk
 * ids, its place in the pack plan), so a batch stays within a few MiB whatever the
 * snapshot holds, and a pass over a batch's packs is large enough to cost little.
 */
export const BATCH_ENTRIES = 4096;
/**
 * File content per batch at most. Packs are written in walk order, so batches of
 * 256 MiB mostly need packs of their own: about one 16 MiB pack per batch is read
 * twice (the needed ranges of it, by the two batches that share it).
 */
export const BATCH_BYTES = 256 * 1024 * 1024;
/** Files of several chunks per batch at most: each holds a descriptor until its last chunk is written; far below common limits of open files (1,024). */
export const BATCH_OPEN_FILES = 256;

/** When to replace an existing file. */
export type OverwritePolicy = 'never' | 'if-changed' | 'always';

/** The bounds of a restore (tests make them small). */
export interface RestoreLimits extends BatchLimits {
  /** Hard-linked inodes remembered at most. */
  readonly hardlinks: number;
}

/** Options of a restore. */
export interface RestoreOptions {
  readonly overwrite: OverwritePolicy;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** Decodes blobs on worker threads; without it, on this thread. */
  readonly pool?: PackPool;
  /** Called for each entry not restored (kept existing file, special file). */
  readonly onSkip?: (path: string, reason: string) => void;
  /** Called for each file (or directory's content) not restored: damaged in the store, or refused by the destination. */
  readonly onFail?: (path: string, reason: string) => void;
  /** Totals for progress (the snapshot's summary when all of it is restored); without them the totals are known at the end of the walk. */
  readonly expected?: { readonly files: number; readonly bytes: number };
  /** Smaller bounds than the defaults (tests). */
  readonly limits?: Partial<RestoreLimits>;
  /** Called before each batch is restored, with the number of entries it holds (tests). */
  readonly onBatch?: (held: number) => void;
}

/** Counts of a finished restore. */
export interface RestoreResult {
  files: number;
  dirs: number;
  symlinks: number;
  /** FIFOs and device nodes made. */
  specials: number;
  bytes: number;
  skipped: number;
  errors: number;
  /** Files (and directory listings) not restored because of damage; see `onFail`. */
  failed: number;
  /** Hard-linked names restored as separate files: more inodes awaited their other names than the restore remembers. */
  linksCopied: number;
}

/** Whether two times (ns, decimal) are equal at the precision a destination can set (a step of `stepNs`). */
export function sameTime(a: string, b: string, stepNs: number): boolean {
  const step = BigInt(Math.max(1, Math.trunc(stepNs)));
  return BigInt(a) / step === BigInt(b) / step;
}
