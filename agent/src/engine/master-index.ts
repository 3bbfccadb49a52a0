/**
 * The in-memory union of all index files: blob id → where it is stored. Answers
 * every "do we have this blob" and "where is it" question without touching storage.
 * Memory: about 200 bytes a blob (~200 MB for a 1 TB store with 1 MiB chunks).
 */
import type { IndexedPack } from './index-file.js';
import type { BlobType } from './pack.js';

/** Where a blob is. */
export interface BlobLocation {
  readonly pack: string;
  readonly type: BlobType;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
}

/** The union of index files. */
export class MasterIndex {
  private readonly blobs = new Map<string, BlobLocation>();
  private readonly packSet = new Map<string, number>();

  /** Adds every entry of the given packs (a blob in several packs keeps its first location). */
  addPacks(packs: readonly IndexedPack[]): void {
    for (const p of packs) {
      this.packSet.set(p.pack, (this.packSet.get(p.pack) ?? 0) + p.entries.length);
      for (const e of p.entries) {
        const id = e.id.toString('hex');
        if (!this.blobs.has(id)) {
          this.blobs.set(id, { pack: p.pack, type: e.type, offset: e.offset, length: e.length, rawLength: e.rawLength });
        }
      }
    }
  }

  has(id: string): boolean {
    return this.blobs.has(id);
  }

  get(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  /** Number of distinct blobs. */
  get size(): number {
    return this.blobs.size;
  }

  /** Whether any index names this pack. */
  hasPack(pack: string): boolean {
    return this.packSet.has(pack);
  }

  /** Ids of all indexed packs. */
  packs(): string[] {
    return [...this.packSet.keys()];
  }

  /** All blobs with their locations. */
  entries(): IterableIterator<[string, BlobLocation]> {
    return this.blobs.entries();
  }
}
