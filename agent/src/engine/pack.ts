/**
 * Packfile layout (pure encoding, no I/O):
 *   magic "CFPK" ‖ u8 version ‖ 3 zero bytes        (8 bytes)
 *   blob_0 ‖ blob_1 ‖ … ‖ blob_n-1                   (each an encoded blob, see codec.ts)
 *   encoded header                                   (codec, AAD "coffer/v1/packheader")
 *   u32 LE length of the encoded header
 * Header plaintext: u32 LE count, then per blob 45 bytes:
 *   u8 type ‖ id[32] ‖ u32 offset ‖ u32 stored length ‖ u32 raw length
 * A blob's AAD is its type byte ‖ id, so a blob cannot be swapped for another.
 * The pack's file name is the keyed BLAKE3 of the whole file.
 */
import { DecodeError } from './codec.js';

export const PACK_MAGIC = Buffer.from('CFPK\x01\x00\x00\x00', 'latin1');
export const PACK_PREFIX = PACK_MAGIC.length;
export const HEADER_AAD = Buffer.from('coffer/v1/packheader', 'utf8');
/** Bytes of one entry in a pack header. */
export const HEADER_ENTRY_SIZE = 45;

/** Blob types. */
export enum BlobType {
  Data = 0,
  Tree = 1,
}

/** Where a blob lives in a pack. */
export interface PackEntry {
  readonly type: BlobType;
  readonly id: Buffer;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
}

/** AAD that binds a stored blob to its type and id. */
export function blobAad(type: BlobType, id: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(33);
  b[0] = type;
  b.set(id, 1);
  return b;
}

/** Writes one header entry (HEADER_ENTRY_SIZE bytes) at `b[p..]`. */
export function writeHeaderEntry(b: Buffer, p: number, e: PackEntry): void {
  b[p] = e.type;
  e.id.copy(b, p + 1);
  b.writeUInt32LE(e.offset, p + 33);
  b.writeUInt32LE(e.length, p + 37);
  b.writeUInt32LE(e.rawLength, p + 41);
}

/** Serialises the header plaintext. */
export function encodeHeader(entries: readonly PackEntry[]): Buffer {
  const b = Buffer.alloc(4 + entries.length * HEADER_ENTRY_SIZE);
  b.writeUInt32LE(entries.length, 0);
  let p = 4;
  for (const e of entries) {
    writeHeaderEntry(b, p, e);
    p += HEADER_ENTRY_SIZE;
  }
  return b;
}

/** Parses a header plaintext; throws DecodeError when malformed. */
export function decodeHeader(b: Buffer): PackEntry[] {
  if (b.length < 4) throw new DecodeError('pack header too short');
  const n = b.readUInt32LE(0);
  if (b.length !== 4 + n * HEADER_ENTRY_SIZE) throw new DecodeError('pack header has the wrong length');
  const out: PackEntry[] = [];
  for (let i = 0, p = 4; i < n; i++, p += HEADER_ENTRY_SIZE) {
    const raw = b[p] as number;
    const type = raw === 0 ? BlobType.Data : raw === 1 ? BlobType.Tree : undefined;
    if (type === undefined) throw new DecodeError(`unknown blob type ${raw}`);
    out.push({
      type,
      id: Buffer.from(b.subarray(p + 1, p + 33)),
      offset: b.readUInt32LE(p + 33),
      length: b.readUInt32LE(p + 37),
      rawLength: b.readUInt32LE(p + 41),
    });
  }
  return out;
}

/** Location of the encoded header from a pack's last 4 bytes and its total size. */
export function headerRange(tail: Buffer, packSize: number): { offset: number; length: number } {
  const len = tail.readUInt32LE(tail.length - 4);
  const offset = packSize - 4 - len;
  if (len === 0 || offset < PACK_PREFIX) throw new DecodeError('pack trailer is damaged');
  return { offset, length: len };
}
