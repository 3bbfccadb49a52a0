/**
 * Index files (pure encoding): which blobs each pack holds. One or more per writer
 * session, so concurrent writers never touch the same file. Plaintext layout:
 *   magic "CFIX" ‖ u8 version ‖ 3 zero bytes ‖ u32 pack count, then per pack:
 *   packId[32] ‖ u32 entry count ‖ entries (45 bytes each, as in pack headers)
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

/** Serialises an index file's plaintext. */
export function encodeIndex(packs: readonly IndexedPack[]): Buffer {
  const parts: Buffer[] = [MAGIC];
  const count = Buffer.alloc(4);
  count.writeUInt32LE(packs.length, 0);
  parts.push(count);
  for (const p of packs) {
    parts.push(Buffer.from(p.pack, 'hex'));
    parts.push(encodeHeader(p.entries));
  }
  return Buffer.concat(parts);
}

/** Parses an index file's plaintext. */
export function decodeIndex(b: Buffer): IndexedPack[] {
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
  if (p !== b.length) throw new DecodeError('index file has trailing bytes');
  return out;
}
