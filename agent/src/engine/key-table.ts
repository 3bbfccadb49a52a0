/**
 * A compact, append-only table of fixed-size records keyed by the leading bytes of
 * uniformly distributed ids (keyed BLAKE3 output: blob ids, pack names). The master
 * index keeps its blobs and its packs in two of these.
 *
 * Records: `recordWords` uint32 words each; the first `keyWords` hold the key (the id's
 * first 4·keyWords bytes as little-endian words), the others are the owner's
 * (`word` / `setWord`). They live in pages of 2^pageShift records, allocated one at a
 * time and never moved or reallocated, so growing costs one page, never a copy of
 * everything, and a record's number is stable for the table's life.
 *
 * Lookup: open addressing with linear probing over a Uint32Array of slots. A slot
 * holds its record's number + 1 in the low bits and, in the bits the number does not
 * need, a tag taken from the key's second word, so a probe reads a record only when
 * the tag matches (1 time in 2^tagBits for others; 7-8 tag bits at 10 million records).
 * The home slot is the key's first word scaled to the table size (w0 · capacity /
 * 2^32): the key bytes are already uniform, so they need no hashing, and the table need
 * not be a power of two. It is kept between 75 % and 90 % full (grown ×1.2 and rebuilt
 * from the records in order), 4.4-5.3 bytes a record; a power-of-two table doubled
 * at 75 % would swing between 5.3 and 10.7. At 90 % a lookup for an absent key scans
 * ~50 slots (200 contiguous bytes) and touches a record only on a tag match; a
 * present one ~5.5 slots and its record.
 *
 * Guarantees: `find` and `has` are O(1) expected and allocate nothing. Records are
 * never changed by the table. Pages and slots are SharedArrayBuffers: `snapshot()`
 * hands them to worker threads without copying, and the snapshot stays valid while
 * the owner keeps adding (records are append-only; the owner copies the slot table
 * before its next write, so the snapshot's stays as it was).
 *
 * Limits: at most 0.85 · (2^31 - 1) records. Ids that are not uniform (crafted to
 * share leading bytes) cluster and make lookups slow, never wrong; ids are keyed
 * hashes, and index files are authenticated in an encrypted store.
 */

/** What a worker thread needs to read a table: see {@link KeyTable.snapshot}. */
export interface KeyTableSnapshot {
  readonly recordWords: number;
  readonly keyWords: number;
  readonly pageShift: number;
  readonly count: number;
  readonly pages: readonly SharedArrayBuffer[];
  readonly slots: SharedArrayBuffer;
}

/** Shape of a table's records. */
export interface KeyTableLayout {
  /** uint32 words per record. */
  readonly recordWords: number;
  /** Leading words of a record that are its key (at least 2). */
  readonly keyWords: number;
  /** log2 of the records per page. */
  readonly pageShift: number;
}

const MAX_LOAD = 0.9;
const GROWTH = 1.2;
const MIN_CAPACITY = 64;
const MAX_CAPACITY = 2 ** 31 - 1;

/** The little-endian uint32 at `b[p..p+4]`. */
export function wordAt(b: Uint8Array, p: number): number {
  return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
}

/**
 * `id` as bytes, for a table keyed by its first `keyBytes` bytes: a Uint8Array of 32
 * or `keyBytes` bytes as it is, a hex string of 64 or 2·keyBytes digits decoded into
 * `scratch` (32 bytes, reused: nothing is allocated); undefined for anything else.
 */
export function idBytes(id: string | Uint8Array, scratch: Buffer, keyBytes: number): Uint8Array | undefined {
  if (typeof id !== 'string') return id.length === 32 || id.length === keyBytes ? id : undefined;
  if (id.length !== 64 && id.length !== 2 * keyBytes) return undefined;
  const n = id.length >>> 1;
  return scratch.write(id, 0, n, 'hex') === n ? scratch : undefined;
}

/** Append-only records found by key. */
export class KeyTable {
  readonly recordWords: number;
  readonly keyWords: number;
  readonly pageShift: number;
  private readonly pageMask: number;
  private readonly pages: Uint32Array[] = [];
  private n = 0;
  private slots!: Uint32Array;
  private capacity = 0;
  private scale = 0;
  private tagMask = 0;
  private entryMask = 0;
  /** The slot table is in a snapshot: copy it before writing. */
  private slotsShared = false;
  private readonly readOnly: boolean;

  constructor(layout: KeyTableLayout, from?: KeyTableSnapshot) {
    if (layout.keyWords < 2 || layout.keyWords > layout.recordWords) throw new RangeError('a key is 2 to recordWords words');
    this.recordWords = layout.recordWords;
    this.keyWords = layout.keyWords;
    this.pageShift = layout.pageShift;
    this.pageMask = (1 << layout.pageShift) - 1;
    this.readOnly = from !== undefined;
    if (from) {
      for (const sab of from.pages) this.pages.push(new Uint32Array(sab));
      this.n = from.count;
      this.useSlots(new Uint32Array(from.slots));
    } else {
      this.useSlots(new Uint32Array(new SharedArrayBuffer(4 * MIN_CAPACITY)));
    }
  }

  /** A read-only table over a snapshot (in a worker thread). */
  static fromSnapshot(s: KeyTableSnapshot): KeyTable {
    return new KeyTable(s, s);
  }

  /** Number of records. */
  get size(): number {
    return this.n;
  }

  /** Bytes held: pages and slot table. */
  byteSize(): number {
    return this.pages.length * (this.recordWords << (this.pageShift + 2)) + this.capacity * 4;
  }

  /** Makes room for `count` records in all without another rebuild of the slot table. */
  reserve(count: number): void {
    if (this.readOnly) throw new Error('a snapshot of a key table is read-only');
    if (count > this.capacity * MAX_LOAD) this.grow(count);
  }

  private useSlots(slots: Uint32Array): void {
    this.slots = slots;
    this.capacity = slots.length;
    this.scale = this.capacity / 2 ** 32;
    const entryBits = 32 - Math.clz32(this.capacity);
    this.entryMask = (2 ** entryBits - 1) | 0;
    this.tagMask = ~this.entryMask;
  }

  /** The number of the record whose key is the leading bytes of `id[at..]`, or -1. */
  find(id: Uint8Array, at = 0): number {
    const slots = this.slots;
    const cap = this.capacity;
    const tm = this.tagMask;
    const em = this.entryMask;
    const tag = wordAt(id, at + 4) & tm;
    let i = (wordAt(id, at) * this.scale) >>> 0;
    for (;;) {
      const s = slots[i] as number;
      if (s === 0) return -1;
      if ((s & tm) === tag && this.keyIs((s & em) - 1, id, at)) return (s & em) - 1;
      if (++i === cap) i = 0;
    }
  }

  /** Whether a record has the key of `id[at..]`. */
  has(id: Uint8Array, at = 0): boolean {
    return this.find(id, at) >= 0;
  }

  private keyIs(e: number, id: Uint8Array, at: number): boolean {
    const page = this.pages[e >>> this.pageShift] as Uint32Array;
    const base = (e & this.pageMask) * this.recordWords;
    for (let k = 0; k < this.keyWords; k++) if (page[base + k] !== wordAt(id, at + 4 * k)) return false;
    return true;
  }

  /**
   * Adds a record keyed by `id[at..]`, its other words zero. Returns its number, or
   * `~n` (negative) when record n already has the key (nothing is added).
   */
  add(id: Uint8Array, at = 0): number {
    if (this.readOnly) throw new Error('a snapshot of a key table is read-only');
    const found = this.find(id, at);
    if (found >= 0) return ~found;
    if (this.n + 1 > this.capacity * MAX_LOAD) this.grow(this.n + 1);
    else if (this.slotsShared) {
      this.useSlots(copyOf(this.slots));
      this.slotsShared = false;
    }
    const e = this.n;
    if ((e & this.pageMask) === 0) this.pages.push(new Uint32Array(new SharedArrayBuffer(this.recordWords << (this.pageShift + 2))));
    const page = this.pages[e >>> this.pageShift] as Uint32Array;
    const base = (e & this.pageMask) * this.recordWords;
    for (let k = 0; k < this.keyWords; k++) page[base + k] = wordAt(id, at + 4 * k);
    this.n++;
    this.place(e, page[base] as number, page[base + 1] as number);
    return e;
  }

  private place(e: number, w0: number, w1: number): void {
    const slots = this.slots;
    let i = (w0 * this.scale) >>> 0;
    while (slots[i] !== 0) if (++i === this.capacity) i = 0;
    slots[i] = (w1 & this.tagMask) | (e + 1);
  }

  private grow(needed: number): void {
    if (needed > MAX_CAPACITY * MAX_LOAD) throw new RangeError(`a key table holds at most ${Math.floor(MAX_CAPACITY * MAX_LOAD)} records`);
    const cap = Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, Math.ceil(this.capacity * GROWTH), Math.ceil(needed / MAX_LOAD) + 1));
    this.useSlots(new Uint32Array(new SharedArrayBuffer(4 * cap)));
    this.slotsShared = false;
    for (let e = 0; e < this.n; e++) {
      const page = this.pages[e >>> this.pageShift] as Uint32Array;
      const base = (e & this.pageMask) * this.recordWords;
      this.place(e, page[base] as number, page[base + 1] as number);
    }
  }

  /** Word `w` of record `e`. */
  word(e: number, w: number): number {
    return (this.pages[e >>> this.pageShift] as Uint32Array)[(e & this.pageMask) * this.recordWords + w] as number;
  }

  /** Sets word `w` (not a key word) of record `e`. */
  setWord(e: number, w: number, value: number): void {
    if (w < this.keyWords) throw new RangeError('key words are fixed');
    (this.pages[e >>> this.pageShift] as Uint32Array)[(e & this.pageMask) * this.recordWords + w] = value;
  }

  /** Writes record `e`'s key (4·keyWords bytes) into `out` at `at`. */
  keyInto(e: number, out: Uint8Array, at = 0): void {
    const page = this.pages[e >>> this.pageShift] as Uint32Array;
    const base = (e & this.pageMask) * this.recordWords;
    for (let k = 0; k < this.keyWords; k++) {
      const w = page[base + k] as number;
      const p = at + 4 * k;
      out[p] = w & 0xff;
      out[p + 1] = (w >>> 8) & 0xff;
      out[p + 2] = (w >>> 16) & 0xff;
      out[p + 3] = w >>> 24;
    }
  }

  /**
   * The table as it is now, for a worker thread (structured-cloned, nothing copied).
   * It answers for the records counted now, whatever is added afterwards.
   */
  snapshot(): KeyTableSnapshot {
    this.slotsShared = true;
    const pages = Math.ceil(this.n / (this.pageMask + 1));
    return {
      recordWords: this.recordWords,
      keyWords: this.keyWords,
      pageShift: this.pageShift,
      count: this.n,
      pages: this.pages.slice(0, pages).map((p) => p.buffer as SharedArrayBuffer),
      slots: this.slots.buffer as SharedArrayBuffer,
    };
  }
}

function copyOf(slots: Uint32Array): Uint32Array {
  const out = new Uint32Array(new SharedArrayBuffer(slots.byteLength));
  out.set(slots);
  return out;
}
