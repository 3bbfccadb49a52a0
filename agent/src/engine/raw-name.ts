/**
 * File names and symlink targets are bytes on Linux; inside Coffer they are strings.
 * This module maps between the two without loss, as Python's "surrogateescape" does:
 * valid UTF-8 decodes as usual, and each byte that is not part of valid UTF-8 becomes
 * the lone surrogate U+DC80..U+DCFF. A valid UTF-8 decoding never holds a lone
 * surrogate, so the mapping is one-to-one and `toBytes(fromBytes(b))` equals `b` for
 * every byte string. Pure: no I/O.
 */

const LONE_ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;
const LONE_ESCAPES = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when it is not valid. */
function utf8SeqLength(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  if (c < 0x80) return 1;
  const at = (k: number): number => (i + k < b.length ? (b[i + k] as number) : -1);
  const cont = (x: number): boolean => x >= 0x80 && x <= 0xbf;
  if (c >= 0xc2 && c <= 0xdf) return cont(at(1)) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = at(1);
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf; // no UTF-16 surrogates encoded in UTF-8
    return c1 >= lo && c1 <= hi && cont(at(2)) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = at(1);
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= lo && c1 <= hi && cont(at(2)) && cont(at(3)) ? 4 : 0;
  }
  return 0;
}

/** Decodes a name's bytes; bytes that are not valid UTF-8 become U+DC80..U+DCFF. */
export function nameFromBytes(b: Uint8Array): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const fast = buf.toString('utf8');
  if (!fast.includes('\uFFFD') || Buffer.byteLength(fast, 'utf8') === buf.length && Buffer.from(fast, 'utf8').equals(buf)) return fast;
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const n = utf8SeqLength(buf, i);
    if (n === 0) {
      out += String.fromCharCode(0xdc00 + (buf[i] as number));
      i++;
    } else {
      out += buf.toString('utf8', i, i + n);
      i += n;
    }
  }
  return out;
}

/** True when `s` holds bytes that are not valid UTF-8 (escaped as U+DC80..U+DCFF). */
export function hasRawBytes(s: string): boolean {
  return LONE_ESCAPE.test(s);
}

/** The bytes a name stands for: UTF-8, with U+DC80..U+DCFF turned back into their bytes. */
export function nameToBytes(s: string): Buffer {
  if (!hasRawBytes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of s.matchAll(LONE_ESCAPES)) {
    const at = m.index;
    parts.push(Buffer.from(s.slice(last, at), 'utf8'), Buffer.from([s.charCodeAt(at) - 0xdc00]));
    last = at + 1;
  }
  parts.push(Buffer.from(s.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** Length of the name in bytes, as the file system counts it (NAME_MAX is 255 bytes). */
export function nameByteLength(s: string): number {
  return hasRawBytes(s) ? nameToBytes(s).length : Buffer.byteLength(s, 'utf8');
}

/** A name for display: raw bytes and control characters as `\xHH`, backslash doubled. */
export function displayName(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\\\u0000-\u001f\u007f]/.test(s) && !hasRawBytes(s)) return s;
  const hex = (n: number): string => `\\x${n.toString(16).padStart(2, '0')}`;
  return (
    s
      .replace(/\\/g, '\\\\')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, (c) => hex(c.charCodeAt(0)))
      .replace(LONE_ESCAPES, (c) => hex(c.charCodeAt(0) - 0xdc00))
  );
}
