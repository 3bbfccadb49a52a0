/**
 * What a backup leaves out beyond ignore patterns, as restic does it:
 * - `--exclude-if-present NAME[:HEADER]`: a folder holding a file NAME (whose content
 *   begins with HEADER, when given) is kept with that file only, its other contents
 *   left out; `--exclude-caches` is `CACHEDIR.TAG` with the cache directory tag's
 *   signature (https://bford.info/cachedir/).
 * - `--one-file-system`: a folder on another file system than the backup's root (a
 *   mount point) is kept as an empty folder, and nothing below it is read.
 * Guarantees: a tag file that cannot be read does not exclude its folder; sources
 * that do not report devices (SFTP) are never judged to cross a file system.
 */
import type { EntryMeta, Source } from '../connectors/source.js';
import { joinRel } from '../connectors/source.js';

/** A file whose presence excludes the rest of its folder. */
export interface TagFile {
  readonly name: string;
  /** What the file must begin with (bytes of this string, UTF-8). */
  readonly header?: string;
}

/** The cache directory tag of `--exclude-caches`. */
export const CACHEDIR_TAG: TagFile = { name: 'CACHEDIR.TAG', header: 'Signature: 8a477f597d28d172789f06886806bc55' };

/** Parses `NAME[:HEADER]` of `--exclude-if-present`. */
export function parseTagFile(spec: string): TagFile {
  const i = spec.indexOf(':');
  return i < 0 ? { name: spec } : { name: spec.slice(0, i), header: spec.slice(i + 1) };
}

/** What to leave out. */
export interface WalkFilterOptions {
  readonly oneFileSystem?: boolean;
  readonly excludeIfPresent?: readonly TagFile[];
}

export class WalkFilters {
  constructor(
    private readonly source: Source,
    private readonly opts: WalkFilterOptions,
    /** Device of the backup's root (from its metadata), when the source reports one. */
    private readonly rootDev: string | undefined,
  ) {}

  /**
   * Whether subfolder `e` (at `rel`) is on another file system than the path backed up
   * and must not be entered. With several paths, each is judged against its own device,
   * and the folders above them never are.
   */
  crosses(e: EntryMeta, rel: string): boolean {
    if (this.opts.oneFileSystem !== true || e.dev === undefined) return false;
    if (this.source.isVirtual?.(rel)) return false;
    const dev = this.source.rootDevice ? this.source.rootDevice(rel) : this.rootDev;
    return dev !== undefined && e.dev !== dev;
  }

  /** The entries of folder `rel` to back up: all, or only the tag file when one marks the folder. */
  async keep(rel: string, entries: EntryMeta[]): Promise<EntryMeta[]> {
    for (const tag of this.opts.excludeIfPresent ?? []) {
      const file = entries.find((e) => e.name === tag.name && e.type === 'file');
      if (file && (await this.matches(joinRel(rel, file.name), tag))) return [file];
    }
    return entries;
  }

  private async matches(rel: string, tag: TagFile): Promise<boolean> {
    if (tag.header === undefined) return true;
    const want = Buffer.from(tag.header, 'utf8');
    try {
      const f = await this.source.open(rel, want.length);
      try {
        const got = Buffer.alloc(want.length);
        let n = 0;
        for (let r = 1; r > 0 && n < want.length; n += r) r = await f.read(got, n, want.length - n);
        return got.subarray(0, n).equals(want);
      } finally {
        await f.close();
      }
    } catch {
      return false; // unreadable: the folder is backed up
    }
  }
}
