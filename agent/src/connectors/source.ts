/**
 * The source port (importer): a tree of files to back up, local or remote.
 * Guarantees: `readDir` returns the entries of one directory with their metadata
 * (one call, no per-entry round trip where the transport allows it); an entry that
 * cannot be examined is reported in `errors` and the rest is still returned. `open`
 * reads one regular file sequentially.
 */
import type { TreeNode } from '../engine/tree.js';

/** Metadata of one entry: a tree node without content or subtree. */
export type EntryMeta = Omit<TreeNode, 'content' | 'subtree'>;

/** A file open for reading. */
export interface SourceFile {
  /** Reads up to `length` bytes into `buf` at `offset`; resolves 0 at the end. */
  read(buf: Buffer, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
}

/** The outcome of listing one directory. */
export interface DirListing {
  readonly entries: EntryMeta[];
  readonly errors: { readonly name: string; readonly message: string }[];
}

/** A tree of files. Paths are relative to the source root, '/'-separated; '' is the root. */
export interface Source {
  /** Connector type, e.g. `fs`, `sftp`. */
  readonly type: string;
  /** Canonical location (absolute path or URL without secrets): identifies the source for incremental backups. */
  readonly location: string;
  /** Metadata of the root itself. */
  stat(): Promise<EntryMeta>;
  readDir(rel: string): Promise<DirListing>;
  /** Opens a file; `size` (from the listing) lets a remote source size its read-ahead. */
  open(rel: string, size?: number): Promise<SourceFile>;
  /**
   * For sources on local disk: the absolute path of an entry, so that worker threads
   * can read it directly. Undefined for remote sources.
   */
  localPath?(rel: string): string;
  /**
   * Sources of several paths (multi-source.ts): whether `rel` is a folder above the
   * paths given, listed by `readDir` with only what leads to them (never elsewhere).
   */
  isVirtual?(rel: string): boolean;
  /**
   * Sources of several paths: the device (st_dev, decimal) of the given path that `rel`
   * is in or under, for `--one-file-system`; undefined above the given paths.
   */
  rootDevice?(rel: string): string | undefined;
  close(): Promise<void>;
}

/** Joins a relative directory path and a name. */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}
