/**
 * The blobs a writer has accepted and not yet seen saved in a pack, by the same
 * 16-byte key as the master index (see master-index.ts). Unlike the index it forgets:
 * a blob leaves when its pack is saved (and enters the index).
 *
 * Open addressing with linear probing over keys held in the table itself (four
 * uint32 words a slot, plus a used flag), power-of-two capacity kept between 1/8 and
 * 3/4 full (doubled above, halved below), deletion by backward shift (no tombstones,
 * so lookups stay short however many blobs came and went). 17 bytes a slot; the set
 * holds only blobs in flight, which the writer bounds by bytes.
 * Guarantees: has, add and delete are O(1) expected and allocate nothing (except
 * when the table is resized).
 */
import { idBytes, wordAt } from './key-table.js';

const MIN_CAPACITY = 64;
const KEY_BYTES = 16;

/** A set of blob ids, keyed by their first 16 bytes. */
export class PendingIds {
  private keys = new Uint32Array(4 * MIN_CAPACITY);
  private used = new Uint8Array(MIN_CAPACITY);
  private mask = MIN_CAPACITY - 1;
  private shift = 32 - Math.log2(MIN_CAPACITY);
  private n = 0;
  private readonly scratch = Buffer.alloc(32);

  get size(): number {
    return this.n;
  }

  /** Bytes held by the table. */
  byteSize(): number {
    return this.keys.byteLength + this.used.byteLength;
  }

  private slotOf(id: Uint8Array, at: number): number {
    return this.slotOfWords(wordAt(id, at), wordAt(id, at + 4), wordAt(id, at + 8), wordAt(id, at + 12));
  }

  /** The slot holding this key, or ~(the free slot where it would go). */
  private slotOfWords(w0: number, w1: number, w2: number, w3: number): number {
    let i = w0 >>> this.shift;
    while (this.used[i] === 1) {
      const b = 4 * i;
      if (this.keys[b] === w0 && this.keys[b + 1] === w1 && this.keys[b + 2] === w2 && this.keys[b + 3] === w3) return i;
      i = (i + 1) & this.mask;
    }
    return ~i;
  }

  /** Whether the set has `id` (hex or bytes, see idBytes). */
  has(id: string | Uint8Array): boolean {
    const b = idBytes(id, this.scratch, KEY_BYTES);
    return b !== undefined && this.slotOf(b, 0) >= 0;
  }

  /** Adds the id at `id[at..]`; returns false when it was there already. */
  add(id: Uint8Array, at = 0): boolean {
    const i = this.slotOf(id, at);
    if (i >= 0) return false;
    const free = ~i;
    for (let k = 0; k < 4; k++) this.keys[4 * free + k] = wordAt(id, at + 4 * k);
    this.used[free] = 1;
    this.n++;
    if (this.n > (this.mask + 1) * 0.75) this.resize(2 * (this.mask + 1));
    return true;
  }

  /** Removes the id at `id[at..]`; returns whether it was there. */
  delete(id: Uint8Array, at = 0): boolean {
    let i = this.slotOf(id, at);
    if (i < 0) return false;
    // Backward shift: move up every later entry of the run that may live at i.
    for (let j = (i + 1) & this.mask; this.used[j] === 1; j = (j + 1) & this.mask) {
      const home = (this.keys[4 * j] as number) >>> this.shift;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.keys.copyWithin(4 * i, 4 * j, 4 * j + 4);
      i = j;
    }
    this.used[i] = 0;
    this.n--;
    const cap = this.mask + 1;
    if (cap > MIN_CAPACITY && this.n < cap / 8) this.resize(cap / 2);
    return true;
  }

  private resize(cap: number): void {
    const keys = this.keys;
    const used = this.used;
    this.keys = new Uint32Array(4 * cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    for (let i = 0; i < used.length; i++) {
      if (used[i] !== 1) continue;
      const b = 4 * i;
      const free = ~this.slotOfWords(keys[b] as number, keys[b + 1] as number, keys[b + 2] as number, keys[b + 3] as number);
      this.keys.set(keys.subarray(b, b + 4), 4 * free);
      this.used[free] = 1;
    }
  }
}
