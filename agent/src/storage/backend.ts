/**
 * The storage port: where a store's files live (local disk, SFTP, memory).
 * Files are addressed by (kind, name). Guarantees every backend must give, checked by
 * the shared conformance suite (test/src/storage-conformance.ts):
 * - `save` is atomic: a reader sees either no file or the whole file, never a part,
 *   even when the writer is killed. Temporary files live outside listed folders.
 * - `save` of a name that already exists leaves the existing file in place (names
 *   are content ids, so the bytes are the same); `config` is never overwritten by `save`,
 *   only by `replaceConfig`, atomically (a reader sees the old or the new config, whole).
 * - After `save` resolves, `load`, `stat` and `list` see the file (read-after-write).
 * - `load`/`stat`/`remove` of a missing file reject with CofferError NotFound.
 * - `list` yields each file of a kind exactly once, in no particular order.
 */

/** The kinds of files in a store. */
export type FileKind = 'config' | 'data' | 'index' | 'snapshot' | 'lock' | 'key';

/** All kinds that hold many files (every kind but config). */
export const LISTED_KINDS: readonly FileKind[] = ['data', 'index', 'snapshot', 'lock'];

/** A file in a listing. */
export interface FileInfo {
  readonly name: string;
  readonly size: number;
  /** Modification time in ms since the epoch. */
  readonly mtimeMs: number;
}

/** A byte range within a file. */
export interface Range {
  readonly offset: number;
  readonly length: number;
}

/** A store's storage. */
export interface StorageBackend {
  /** Location for messages (never contains secrets). */
  readonly location: string;
  /** Whether the store's config file exists. */
  exists(signal?: AbortSignal): Promise<boolean>;
  /**
   * Prepares an empty store location (creates folders). Rejects with StoreExists when
   * the location already holds a store or other files.
   */
  init(signal?: AbortSignal): Promise<void>;
  /** Atomically writes a file (see guarantees above); `data` may come in parts, written in order. */
  save(kind: FileKind, name: string, data: Uint8Array | readonly Uint8Array[], signal?: AbortSignal): Promise<void>;
  /**
   * Atomically replaces the existing config (the master key's passphrase slot changed:
   * engine/key-slots.ts). Rejects with NotFound when there is no config.
   */
  replaceConfig(data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Reads a whole file, or `range` of it. A range past the end rejects with Corrupt. */
  load(kind: FileKind, name: string, range?: Range, signal?: AbortSignal): Promise<Buffer>;
  /** Size and mtime of a file. */
  stat(kind: FileKind, name: string, signal?: AbortSignal): Promise<FileInfo>;
  /** Every file of a kind. */
  list(kind: FileKind, signal?: AbortSignal): Promise<FileInfo[]>;
  /** Deletes a file. */
  remove(kind: FileKind, name: string, signal?: AbortSignal): Promise<void>;
  /** Releases connections and handles. Idempotent. */
  close(): Promise<void>;
}

/** Relative path of a file in the standard layout (shared by disk-like backends). */
export function relPath(kind: FileKind, name: string): string {
  switch (kind) {
    case 'config':
      return 'config';
    case 'data':
      return `data/${name.slice(0, 2)}/${name}`;
    case 'index':
      return `index/${name}`;
    case 'snapshot':
      return `snapshots/${name}`;
    case 'lock':
      return `locks/${name}`;
    case 'key':
      return `keys/${name}`;
  }
}

/** Folders of the standard layout, in creation order. */
export function layoutDirs(): string[] {
  const dirs = ['data', 'index', 'snapshots', 'locks', 'keys', 'tmp'];
  for (let i = 0; i < 256; i++) dirs.push(`data/${i.toString(16).padStart(2, '0')}`);
  return dirs;
}

/** Whether `name` is a valid file name (lower-case hex id) for listed kinds. */
export function isValidName(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

/** The parts of a save's data as an array. */
export function partsOf(data: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}
