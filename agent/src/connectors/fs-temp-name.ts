/**
 * Temporary names for entries being restored: `.<start of the final name>.coffer-<pid>-<rand>-<n>`,
 * unique per process without a CSPRNG call per file. Guarantees: the result is at most
 * NAME_MAX (255) bytes whatever the final name is (the final name is cut by bytes, on a
 * character boundary), and it holds only valid UTF-8 with no raw bytes (raw bytes of the
 * final name become '_'), so it can also be passed to APIs that take string paths.
 */
import { randomBytes } from 'node:crypto';

/** The longest name most Linux file systems accept, in bytes. */
export const NAME_MAX = 255;

const suffixPrefix = `.coffer-${process.pid.toString(36)}-${randomBytes(3).toString('hex')}-`;
let counter = 0;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The longest prefix of `s` that is at most `max` bytes of UTF-8, cut between characters. */
export function cutToBytes(s: string, max: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > max) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/** A fresh temporary name for an entry whose final name is `finalName` (a raw-name string). */
export function tempName(finalName: string): string {
  const suffix = `${suffixPrefix}${(counter++).toString(36)}`;
  // Raw bytes (U+DC80..U+DCFF, see engine/raw-name.ts) and any other lone surrogate become '_'.
  const clean = finalName.replace(LONE_SURROGATES, '_');
  return `.${cutToBytes(clean, NAME_MAX - 1 - Buffer.byteLength(suffix))}${suffix}`;
}
