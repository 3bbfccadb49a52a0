/**
 * The in-memory union of all index files: blob id → where it is stored. Answers
 * every "do we have this blob" and "where is it" question without touching storage.
 *
 * Memory: 32 bytes of record per blob (the id's first 16 bytes; pack number and
 * type; offset; length; raw length: uint32 words in fixed pages), 4.4-5.3 bytes of
 * hash slots per blob, and 36.4-37.3 bytes per pack (its 32-byte name and its slots):
 * at most 37.3 + 37.3 / (blobs per pack) bytes a blob, 38.5 for a store of half
 * 1 MiB chunks and half small blobs in 16 MiB packs, 39.7 for one of 1 MiB chunks
 * only (16 a pack). Layout and growth: key-table.ts. `npm run bench -- --index`
 * measures it (docs/performance.md, "In-memory index"); the Map of hex strings to
 * objects this replaces took ~195 bytes a blob.
 *
 * Blobs are known by the first 16 bytes (128 bits) of their 32-byte id. Ids are keyed
 * BLAKE3 output, so two blobs of one store share a prefix with probability about
 * n² / 2^129: 1.5e-19 for ten billion blobs. Callers still pass full ids (hex or
 * bytes); only the index is keyed by the prefix (docs/format.md, "In-memory index").
 * `entries()` can therefore give keys (32 hex digits), not full ids; code that needs
 * full ids reads them from index files or pack headers (repair-packs.ts).
 *
 * Guarantees: a blob in several packs keeps its first location; `has` is O(1) and
 * allocates nothing; workers get the blob keys through `knownIds()`, shared, not
 * copied.
 */
import { idBytes, KeyTable, type KeyTableSnapshot, wordAt } from './key-table.js';
import type { IndexedPack } from './index-file.js';
import { BlobType, HEADER_ENTRY_SIZE, type PackEntry } from './pack.js';

/** Where a blob is. */
export interface BlobLocation {
  readonly pack: string;
  readonly type: BlobType;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
}

/** Bytes of an id the index keys blobs by. */
export const INDEX_KEY_BYTES = 16;
// Blob record words: 0-3 key, 4 pack number · 2 + type, 5 offset, 6 length, 7 raw length.
const BLOB_LAYOUT = { recordWords: 8, keyWords: INDEX_KEY_BYTES / 4, pageShift: 12 };
// Pack record: the 32-byte name.
const PACK_LAYOUT = { recordWords: 8, keyWords: 8, pageShift: 10 };

/** The union of index files. */
export class MasterIndex {
  private readonly blobs = new KeyTable(BLOB_LAYOUT);
  private readonly packTable = new KeyTable(PACK_LAYOUT);
  private readonly scratch = Buffer.alloc(32);
  private lastPack = -1;
  private lastPackName = '';

  /** Adds every entry of the given packs (a blob in several packs keeps its first location). */
  addPacks(packs: readonly IndexedPack[]): void {
    for (const p of packs) {
      const pack = this.packNumber(p.pack);
      for (const e of p.entries) this.addBlob(e.id, 0, pack, e);
    }
  }

  /**
   * Adds a pack from its header plaintext (pack.ts: u32 count, then 45-byte entries),
   * as a writer holds it, without decoding it into objects.
   */
  addPackHeader(pack: string, header: Buffer): void {
    const n = header.readUInt32LE(0);
    if (header.length !== 4 + n * HEADER_ENTRY_SIZE) throw new RangeError('pack header has the wrong length');
    const packNo = this.packNumber(pack);
    for (let i = 0, p = 4; i < n; i++, p += HEADER_ENTRY_SIZE) {
      const raw = header[p];
      const type = raw === 0 ? BlobType.Data : raw === 1 ? BlobType.Tree : undefined;
      if (type === undefined) throw new RangeError(`unknown blob type ${raw}`);
      this.addBlob(header, p + 1, packNo, { type, offset: wordAt(header, p + 33), length: wordAt(header, p + 37), rawLength: wordAt(header, p + 41) });
    }
  }

  private addBlob(id: Uint8Array, at: number, pack: number, loc: Omit<PackEntry, 'id'>): void {
    if (id.length - at < INDEX_KEY_BYTES) throw new RangeError('a blob id is 32 bytes');
    const e = this.blobs.add(id, at);
    if (e < 0) return;
    this.blobs.setWord(e, 4, pack * 2 + loc.type);
    this.blobs.setWord(e, 5, loc.offset);
    this.blobs.setWord(e, 6, loc.length);
    this.blobs.setWord(e, 7, loc.rawLength);
  }

  private packNumber(pack: string): number {
    const b = idBytes(pack, this.scratch, 32);
    if (!b) throw new RangeError(`not a pack name: ${pack.slice(0, 12)}`);
    const n = this.packTable.add(b);
    return n < 0 ? ~n : n;
  }

  private packName(n: number): string {
    if (n !== this.lastPack) {
      this.packTable.keyInto(n, this.scratch);
      this.lastPackName = this.scratch.toString('hex');
      this.lastPack = n;
    }
    return this.lastPackName;
  }

  private find(id: string | Uint8Array): number {
    const b = idBytes(id, this.scratch, INDEX_KEY_BYTES);
    return b ? this.blobs.find(b) : -1;
  }

  /** Whether the blob is indexed: `id` is a full id (64 hex digits or 32 bytes) or a key from entries(). */
  has(id: string | Uint8Array): boolean {
    return this.find(id) >= 0;
  }

  /** Where the blob is (see has for `id`). */
  get(id: string | Uint8Array): BlobLocation | undefined {
    const e = this.find(id);
    return e < 0 ? undefined : this.location(e);
  }

  private location(e: number): BlobLocation {
    const w = this.blobs.word(e, 4);
    return {
      pack: this.packName(w >>> 1),
      type: w & 1 ? BlobType.Tree : BlobType.Data,
      offset: this.blobs.word(e, 5),
      length: this.blobs.word(e, 6),
      rawLength: this.blobs.word(e, 7),
    };
  }

  /**
   * Makes room for `blobs` more blobs at once (loadIndex estimates them from the index
   * files' sizes), so that filling the index does not rebuild its hash slots as it grows.
   * An estimate up to 1.2 times too high costs nothing beyond the usual slack.
   */
  reserve(blobs: number): void {
    this.blobs.reserve(this.blobs.size + blobs);
  }

  /** Number of distinct blobs. */
  get size(): number {
    return this.blobs.size;
  }

  /** Whether any index names this pack. */
  hasPack(pack: string): boolean {
    const b = idBytes(pack, this.scratch, 32);
    return b !== undefined && this.packTable.has(b);
  }

  /** Ids of all indexed packs. */
  packs(): string[] {
    const out: string[] = [];
    for (let n = 0; n < this.packTable.size; n++) out.push(this.packName(n));
    return out;
  }

  /** Every blob's key (its id's first 16 bytes, in hex; has and get take it) and location. */
  *entries(): IterableIterator<[string, BlobLocation]> {
    const key = Buffer.alloc(INDEX_KEY_BYTES);
    for (let e = 0; e < this.blobs.size; e++) {
      this.blobs.keyInto(e, key);
      yield [key.toString('hex'), this.location(e)];
    }
  }

  /** Every blob's location. */
  *locations(): IterableIterator<BlobLocation> {
    for (let e = 0; e < this.blobs.size; e++) yield this.location(e);
  }

  /** Bytes the index holds (records, hash slots, pack names). */
  byteSize(): number {
    return this.blobs.byteSize() + this.packTable.byteSize();
  }

  /** The blob keys as they are now, for worker threads: KeyTable.fromSnapshot(...).has(id). */
  knownIds(): KeyTableSnapshot {
    return this.blobs.snapshot();
  }
}
