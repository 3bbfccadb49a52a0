/**
 * CRC-32 (IEEE 802.3, as zip uses it), updated piece by piece: zlib.crc32 where Node has
 * it (20.15 and 22 on), else a table-driven one, which gives the same values.
 */
import zlib from 'node:zlib';

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The CRC-32 of `data` continuing from `crc` (0 to start), computed in JavaScript. */
export function crc32Table(data: Uint8Array, crc = 0): number {
  const t = crcTable();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The CRC-32 of `data` continuing from `crc` (0 to start). */
export const crc32: (data: Uint8Array, crc?: number) => number = native ? (d, c = 0) => native(d, c) : crc32Table;
