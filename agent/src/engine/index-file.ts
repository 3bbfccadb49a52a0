/**
 * Index files (pure encoding): which blobs each pack holds. One or more per writer
 * session, so concurrent writers never touch the same file. Plaintext layout:
 *   magic "CFIX" ‖ u8 version ‖ 3 zero bytes ‖ u32 pack count, then per pack:
 *   packId[32] ‖ u32 entry count ‖ entries (45 bytes each, as in pack headers)
 * then, optionally (written by maintenance): u32 count ‖ count × (packId[32] ‖ u64 ms)
 * naming packs no snapshot uses and since when; maintenance deletes them once that
 * time is older than its grace period.
 * Stored encoded (codec, AAD "coffer/v1/index"); file name = keyed BLAKE3 of the file.
 */
import { DecodeError } from './codec.js';
import { decodeHeader, encodeHeader, type PackEntry } from './pack.js';

const MAGIC = Buffer.from('CFIX\x01\x00\x00\x00', 'latin1');
export const INDEX_AAD = Buffer.from('coffer/v1/index', 'utf8');

/** One pack's entries. */
export interface IndexedPack {
  readonly pack: string;
  readonly entries: readonly PackEntry[];
}

/** A pack found unused by maintenance, and since when (ms since the epoch). */
export interface Condemned {
  readonly pack: string;
  readonly since: number;
}

/** One pack's entries as its header plaintext (pack.ts), as a writer holds them. */
export interface IndexedHeader {
  readonly pack: string;
  readonly header: Buffer;
}

/** Serialises an index file's plaintext. */
export function encodeIndex(packs: readonly IndexedPack[], condemned: readonly Condemned[] = []): Buffer {
  return encodeIndexHeaders(
    packs.map((p) => ({ pack: p.pack, header: encodeHeader(p.entries) })),
    condemned,
  );
}

/** Serialises an index file's plaintext from pack headers. */
export function encodeIndexHeaders(packs: readonly IndexedHeader[], condemned: readonly Condemned[] = []): Buffer {
  const parts: Buffer[] = [MAGIC];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(packs.length, 0);
  parts.push(count);
  for (const p of packs) {
    parts.push(Buffer.from(p.pack, 'hex'));
    parts.push(p.header);
  }
  if (condemned.length > 0) {
    const c = Buffer.alloc(4 + condemned.length * 40);
    c.writeUInt32LE(condemned.length, 0);
    condemned.forEach((x, i) => {
      Buffer.from(x.pack, 'hex').copy(c, 4 + i * 40);
      c.writeBigUInt64LE(BigInt(x.since), 36 + i * 40);
    });
    parts.push(c);
  }
  return Buffer.concat(parts);
}

/** Parses an index file's plaintext (packs only). */
export function decodeIndex(b: Buffer): IndexedPack[] {
  return decodeIndexFull(b).packs;
}

/** Parses an index file's plaintext, with its condemned packs. */
export function decodeIndexFull(b: Buffer): { packs: IndexedPack[]; condemned: Condemned[] } {
  if (b.length < 12 || !b.subarray(0, 8).equals(MAGIC)) throw new DecodeError('not an index file');
  const n = b.readUInt32LE(8);
  const out: IndexedPack[] = [];
  let p = 12;
  for (let i = 0; i < n; i++) {
    if (p + 36 > b.length) throw new DecodeError('index file is truncated');
    const pack = b.subarray(p, p + 32).toString('hex');
    const count = b.readUInt32LE(p + 32);
    const len = 4 + count * 45;
    if (p + 32 + len > b.length) throw new DecodeError('index file is truncated');
    out.push({ pack, entries: decodeHeader(b.subarray(p + 32, p + 32 + len)) });
    p += 32 + len;
  }
  const condemned: Condemned[] = [];
  if (p < b.length) {
    const c = b.length - p >= 4 ? b.readUInt32LE(p) : -1;
    if (c < 0 || b.length - p !== 4 + c * 40) throw new DecodeError('index file has a damaged condemned list');
    for (let i = 0; i < c; i++) {
      const q = p + 4 + i * 40;
      condemned.push({ pack: b.subarray(q, q + 32).toString('hex'), since: Number(b.readBigUInt64LE(q + 32)) });
    }
  }
  return { packs: out, condemned };
}
