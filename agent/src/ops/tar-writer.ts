/**
 * POSIX pax tar (ustar headers, with pax extended headers where ustar cannot hold a
 * value). Guarantees:
 *  - Paths and link targets longer than 100 bytes, sizes of 8 GiB and more, uids and gids
 *    of 2^21 and more, negative or huge mtimes, and user and group names that are long or
 *    not ASCII go in a pax record; names that are not valid UTF-8 are written as their
 *    bytes with `hdrcharset=BINARY`. Otherwise the ustar header alone holds the entry.
 *  - mtimes are whole seconds (a pax `mtime` record per entry would double the headers of
 *    archives of many small files).
 *  - Folders end in '/', modes are the permission bits; the archive ends with two zero
 *    blocks. Pure: no I/O, and no file data kept.
 */
import type { ArchiveEntry, ArchiveWriter } from './archive-entry.js';

const BLOCK = 512;
const NAME_MAX = 100;
const TYPE = { file: '0', symlink: '2', dir: '5' } as const;

/** Whether `b` is valid UTF-8. */
function isUtf8(b: Buffer): boolean {
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

/** A pax record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), 'ascii'), body]);
}

/** Writes `n` as octal into a field of `width` bytes (NUL-terminated); false when it does not fit. */
function octal(h: Buffer, at: number, width: number, n: number | bigint): boolean {
  if (n < 0) return false;
  const s = n.toString(8);
  if (s.length > width - 1) return false;
  h.write(s.padStart(width - 1, '0'), at, 'ascii');
  h[at + width - 1] = 0;
  return true;
}

function fits(s: string, max: number): boolean {
  // eslint-disable-next-line no-control-regex
  return Buffer.byteLength(s, 'utf8') <= max && /^[\x00-\x7f]*$/.test(s);
}

/** One 512-byte ustar header. Returns the header and the fields that did not fit. */
function ustar(name: Buffer, e: Pick<ArchiveEntry, 'mode' | 'uid' | 'gid' | 'uname' | 'gname'>, type: string, size: number, mtime: bigint, link: Buffer): { h: Buffer; over: string[] } {
  const h = Buffer.alloc(BLOCK);
  const over: string[] = [];
  name.copy(h, 0, 0, Math.min(name.length, NAME_MAX));
  if (name.length > NAME_MAX) over.push('path');
  octal(h, 100, 8, e.mode & 0o7777);
  if (!octal(h, 108, 8, e.uid)) over.push('uid');
  if (!octal(h, 116, 8, e.gid)) over.push('gid');
  if (!octal(h, 124, 12, size)) {
    over.push('size');
    octal(h, 124, 12, 0);
  }
  if (!octal(h, 136, 12, mtime)) {
    over.push('mtime');
    octal(h, 136, 12, 0);
  }
  h.write(type, 156, 'ascii');
  link.copy(h, 157, 0, Math.min(link.length, NAME_MAX));
  if (link.length > NAME_MAX) over.push('linkpath');
  h.write('ustar\x0000', 257, 'latin1');
  if (fits(e.uname, 31)) h.write(e.uname, 265, 'ascii');
  else over.push('uname');
  if (fits(e.gname, 31)) h.write(e.gname, 297, 'ascii');
  else over.push('gname');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return { h, over };
}

function padding(n: number): Buffer[] {
  const r = n % BLOCK;
  return r === 0 ? [] : [Buffer.alloc(BLOCK - r)];
}

/** Floor division of ns to whole seconds. */
function seconds(ns: bigint): bigint {
  const s = ns / 1_000_000_000n;
  return ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s;
}

/** Writes a pax tar archive. */
export class TarWriter implements ArchiveWriter {
  private size = 0;

  begin(e: ArchiveEntry): Buffer[] {
    const path = e.type === 'dir' ? Buffer.concat([e.path, Buffer.from('/')]) : e.path;
    const link = e.target ?? Buffer.alloc(0);
    const size = e.type === 'file' ? e.size : 0;
    const mtime = seconds(e.mtimeNs);
    const { h, over } = ustar(path, e, TYPE[e.type], size, mtime, link);
    this.size = size;
    if (over.length === 0) return [h];
    const values: Record<string, Buffer> = {
      path,
      linkpath: link,
      size: Buffer.from(String(size)),
      uid: Buffer.from(String(e.uid)),
      gid: Buffer.from(String(e.gid)),
      mtime: Buffer.from(String(mtime)),
      uname: Buffer.from(e.uname, 'utf8'),
      gname: Buffer.from(e.gname, 'utf8'),
    };
    const records = over.map((k) => paxRecord(k, values[k] as Buffer));
    if (!isUtf8(path) || !isUtf8(link)) records.unshift(paxRecord('hdrcharset', Buffer.from('BINARY')));
    const body = Buffer.concat(records);
    const paxName = Buffer.concat([Buffer.from('PaxHeaders/'), path.subarray(0, NAME_MAX - 11)]);
    const x = ustar(paxName, { mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, 'x', body.length, mtime < 0n ? 0n : mtime, Buffer.alloc(0)).h;
    return [x, body, ...padding(body.length), h];
  }

  data(): void {
    // The content goes out as it is; only its padding follows.
  }

  end(): Buffer[] {
    return padding(this.size);
  }

  finish(): Buffer[] {
    return [Buffer.alloc(2 * BLOCK)];
  }
}
