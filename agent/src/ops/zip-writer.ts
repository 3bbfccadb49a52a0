/**
 * A zip archive written as a stream. Guarantees:
 *  - Each entry is a local header with the sizes and CRC left for its data descriptor
 *    (general purpose flag 3), its content stored as it is (method 0), then the data
 *    descriptor with the CRC-32 computed while the content went by; the central directory
 *    and end records follow the last entry. Nothing of the content is kept; the central
 *    directory (about 100 bytes an entry) is.
 *  - zip64: an entry of 4 GiB or more, or starting 4 GiB or more into the archive, gets
 *    zip64 extra fields (local and central) and an 8-byte-size data descriptor; more than
 *    65,534 entries or a central directory past 4 GiB adds the zip64 end record and
 *    locator. (`zip64Over` lowers the 4 GiB threshold, for tests.)
 *  - Names that are valid UTF-8 carry the UTF-8 flag (11); others are written as their
 *    bytes without it. Folders end in '/'; symlinks hold their target as content, with
 *    the Unix mode (S_IFLNK) in the external attributes, as Info-ZIP writes them. Times:
 *    the DOS time (UTC, 2-second steps, 1980 at the earliest) and an extended timestamp
 *    (0x5455) with the mtime in seconds.
 * Pure: no I/O.
 */
import type { ArchiveEntry, ArchiveWriter } from './archive-entry.js';
import { crc32 } from './crc32.js';

const MAX32 = 0xffffffff;
const S_IF = { file: 0o100000, dir: 0o040000, symlink: 0o120000 } as const;

interface Current {
  readonly name: Buffer;
  readonly e: ArchiveEntry;
  readonly offset: number;
  readonly zip64: boolean;
  readonly flags: number;
  readonly dos: { time: number; date: number };
  readonly ut: Buffer;
  crc: number;
  size: number;
}

function dosTime(ns: bigint): { time: number; date: number } {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(Number.isFinite(ms) ? ms : 0);
  if (d.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (d.getUTCFullYear() > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** The extended timestamp extra field (mtime only), or none when the time does not fit. */
function utExtra(ns: bigint): Buffer {
  const s = ns / 1_000_000_000n;
  if (s < 0n || s > 0xffffffffn) return Buffer.alloc(0);
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b[4] = 1;
  b.writeUInt32LE(Number(s), 5);
  return b;
}

/** A zip64 extra field holding `values` (each 8 bytes). */
function zip64Extra(values: readonly number[]): Buffer {
  if (values.length === 0) return Buffer.alloc(0);
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(1, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** Writes a zip archive. */
export class ZipWriter implements ArchiveWriter {
  private offset = 0;
  private readonly central: Buffer[] = [];
  private cur: Current | undefined;
  private readonly limit: number;

  constructor(opts: { readonly zip64Over?: number } = {}) {
    this.limit = opts.zip64Over ?? MAX32;
  }

  private out(bufs: Buffer[]): Buffer[] {
    for (const b of bufs) this.offset += b.length;
    return bufs;
  }

  begin(e: ArchiveEntry): Buffer[] {
    const name = e.type === 'dir' ? Buffer.concat([e.path, Buffer.from('/')]) : e.path;
    const content = e.type === 'symlink' ? (e.target ?? Buffer.alloc(0)) : undefined;
    const size = e.type === 'file' ? e.size : (content?.length ?? 0);
    const zip64 = size >= this.limit || this.offset >= this.limit;
    const flags = 0x0008 | (isUtf8(name) ? 0x0800 : 0);
    const cur: Current = { name, e, offset: this.offset, zip64, flags, dos: dosTime(e.mtimeNs), ut: utExtra(e.mtimeNs), crc: 0, size: 0 };
    const extra = Buffer.concat([zip64 ? zip64Extra([0, 0]) : Buffer.alloc(0), cur.ut]);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    h.writeUInt16LE(flags, 6);
    h.writeUInt16LE(0, 8);
    h.writeUInt16LE(cur.dos.time, 10);
    h.writeUInt16LE(cur.dos.date, 12);
    h.writeUInt32LE(0, 14);
    h.writeUInt32LE(zip64 ? MAX32 : 0, 18);
    h.writeUInt32LE(zip64 ? MAX32 : 0, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(extra.length, 28);
    this.cur = cur;
    const bufs = [h, name, extra];
    if (content) {
      this.data(content);
      bufs.push(content);
      this.offset -= content.length; // counted by data()
    }
    return this.out(bufs);
  }

  data(b: Buffer): void {
    const cur = this.cur as Current;
    cur.crc = crc32(b, cur.crc);
    cur.size += b.length;
    this.offset += b.length;
  }

  end(): Buffer[] {
    const c = this.cur as Current;
    this.cur = undefined;
    const d = Buffer.alloc(c.zip64 ? 24 : 16);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(c.crc, 4);
    if (c.zip64) {
      d.writeBigUInt64LE(BigInt(c.size), 8);
      d.writeBigUInt64LE(BigInt(c.size), 16);
    } else {
      d.writeUInt32LE(c.size, 8);
      d.writeUInt32LE(c.size, 12);
    }
    this.central.push(this.centralRecord(c));
    return this.out([d]);
  }

  private centralRecord(c: Current): Buffer {
    const big = c.size >= this.limit;
    const farOff = c.offset >= this.limit;
    const extra = Buffer.concat([zip64Extra([...(big ? [c.size, c.size] : []), ...(farOff ? [c.offset] : [])]), c.ut]);
    const h = Buffer.alloc(46);
    const version = c.zip64 || big || farOff ? 45 : 20;
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE((3 << 8) | version, 4);
    h.writeUInt16LE(version, 6);
    h.writeUInt16LE(c.flags, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(c.dos.time, 12);
    h.writeUInt16LE(c.dos.date, 14);
    h.writeUInt32LE(c.crc, 16);
    h.writeUInt32LE(big ? MAX32 : c.size, 20);
    h.writeUInt32LE(big ? MAX32 : c.size, 24);
    h.writeUInt16LE(c.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt32LE((((S_IF[c.e.type] | (c.e.mode & 0o7777)) << 16) | (c.e.type === 'dir' ? 0x10 : 0)) >>> 0, 38);
    h.writeUInt32LE(farOff ? MAX32 : c.offset, 42);
    return Buffer.concat([h, c.name, extra]);
  }

  finish(): Buffer[] {
    const start = this.offset;
    const cd = this.out(this.central.splice(0));
    const size = this.offset - start;
    const count = cd.length;
    const zip64 = count >= 0xffff || start >= this.limit || size >= this.limit;
    const tail: Buffer[] = [];
    if (zip64) {
      const r = Buffer.alloc(56);
      r.writeUInt32LE(0x06064b50, 0);
      r.writeBigUInt64LE(44n, 4);
      r.writeUInt16LE((3 << 8) | 45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(count), 24);
      r.writeBigUInt64LE(BigInt(count), 32);
      r.writeBigUInt64LE(BigInt(size), 40);
      r.writeBigUInt64LE(BigInt(start), 48);
      const l = Buffer.alloc(20);
      l.writeUInt32LE(0x07064b50, 0);
      l.writeBigUInt64LE(BigInt(this.offset), 8);
      l.writeUInt32LE(1, 16);
      tail.push(r, l);
    }
    const e = Buffer.alloc(22);
    e.writeUInt32LE(0x06054b50, 0);
    e.writeUInt16LE(zip64 ? 0xffff : count, 8);
    e.writeUInt16LE(zip64 ? 0xffff : count, 10);
    e.writeUInt32LE(zip64 ? MAX32 : size, 12);
    e.writeUInt32LE(zip64 ? MAX32 : start, 16);
    tail.push(e);
    return [...cd, ...this.out(tail)];
  }
}
