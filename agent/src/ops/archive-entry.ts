/**
 * What the archive writers (tar-writer.ts, zip-writer.ts) write for one entry, and the
 * interface they share. Names and link targets are bytes (a name that is not UTF-8 is
 * written as its bytes, never as its display form); paths are '/'-separated and relative,
 * without a trailing '/'. Writers are pure: they turn entries and data into the bytes of
 * the archive, in order, holding no file data.
 */

/** One entry of an archive. */
export interface ArchiveEntry {
  readonly path: Buffer;
  readonly type: 'file' | 'dir' | 'symlink';
  /** Permission bits (mode & 0o7777). */
  readonly mode: number;
  /** Modification time, nanoseconds since the epoch. */
  readonly mtimeNs: bigint;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  /** Bytes of content (files; 0 otherwise). */
  readonly size: number;
  /** Symlinks: the target. */
  readonly target?: Buffer;
}

/** Writes one archive format. Call begin, data (files: exactly `size` bytes), end per entry, then finish. */
export interface ArchiveWriter {
  /** The bytes before the entry's content. */
  begin(e: ArchiveEntry): Buffer[];
  /** Tells the writer about content bytes the caller writes itself (in order). */
  data(b: Buffer): void;
  /** The bytes after the entry's content. */
  end(): Buffer[];
  /** The bytes that close the archive. */
  finish(): Buffer[];
}
