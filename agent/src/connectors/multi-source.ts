/**
 * Several local paths backed up as one snapshot (`backup /etc /home /var/www`), laid
 * out as on disk: the snapshot's root is `/`, and the folders above each path (`/var`
 * for `/var/www`) are recorded with their own metadata but hold only what leads to the
 * paths given. So paths inside such a snapshot are the original absolute paths
 * (`latest:/etc/ssh/sshd_config`), and a restore to DIR recreates DIR/etc, DIR/home…
 * Guarantees: a path inside another given path is backed up once (as part of the outer
 * one); a given path that does not exist is refused before anything is read; only the
 * folders above the given paths are "virtual" (listed here, never on a worker).
 */
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { FsSource, metaOf } from './fs-source.js';
import type { DirListing, EntryMeta, Source, SourceFile } from './source.js';

/** The absolute paths, normalised, without those inside another one, sorted. */
export function outermostPaths(paths: readonly string[]): string[] {
  const abs = [...new Set(paths.map((p) => path.resolve(p)))].sort();
  return abs.filter((p) => !abs.some((q) => q !== p && (q === '/' || p.startsWith(`${q}/`))));
}

export class MultiFsSource implements Source {
  readonly type = 'fs';
  /** The paths, space-separated: how snapshots name the source (and find their parent). */
  readonly location: string;
  private readonly roots: readonly string[];
  /** Folders above the given paths (relative to '/', '' for the root) and the names below each that lead on. */
  private readonly virtual = new Map<string, Set<string>>();
  private readonly disk = new FsSource('/');

  constructor(paths: readonly string[]) {
    this.roots = outermostPaths(paths);
    this.location = this.roots.join(' ');
    for (const root of this.roots) {
      const parts = root.split('/').filter((x) => x !== '');
      for (let i = 0; i < parts.length; i++) {
        const above = parts.slice(0, i).join('/');
        let names = this.virtual.get(above);
        if (!names) this.virtual.set(above, (names = new Set()));
        names.add(parts[i] as string);
      }
    }
  }

  /** Whether `rel` is a folder above the given paths (listed with only what leads on). */
  isVirtual(rel: string): boolean {
    return this.virtual.has(rel);
  }

  private readonly devices = new Map<string, string | undefined>();

  rootDevice(rel: string): string | undefined {
    const abs = `/${rel}`;
    const root = this.roots.find((r) => abs === r || abs.startsWith(`${r}/`));
    if (root === undefined) return undefined;
    if (!this.devices.has(root)) {
      let dev: string | undefined;
      try {
        dev = metaOf(root, path.basename(root), false).dev;
      } catch {
        dev = undefined;
      }
      this.devices.set(root, dev);
    }
    return this.devices.get(root);
  }

  async stat(): Promise<EntryMeta> {
    for (const root of this.roots) {
      try {
        metaOf(root, path.basename(root), false);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new CofferError(ErrorCode.NotFound, `source ${root} does not exist; check the path`);
        throw new CofferError(ErrorCode.Permission, `cannot read source ${root}: ${(err as Error).message}`);
      }
    }
    return this.disk.stat();
  }

  readDir(rel: string): Promise<DirListing> {
    const names = this.virtual.get(rel);
    if (!names) return this.disk.readDir(rel);
    const listing: DirListing = { entries: [], errors: [] };
    for (const name of [...names].sort()) {
      const rp = rel === '' ? name : `${rel}/${name}`;
      try {
        listing.entries.push(metaOf(`/${rp}`, name));
      } catch (err) {
        listing.errors.push({ name, message: (err as Error).message });
      }
    }
    return Promise.resolve(listing);
  }

  open(rel: string): Promise<SourceFile> {
    return this.disk.open(rel);
  }

  localPath(rel: string): string {
    return this.disk.localPath(rel);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
