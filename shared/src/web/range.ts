/**
 * HTTP Range requests on one file (RFC 9110 §14): a single `bytes=` range, as
 * `first-last`, `first-` or `-suffix`. Pure.
 *  - no Range header (or an If-Range that does not match the file's ETag): the whole file;
 *  - a satisfiable range: its inclusive byte bounds, `last` clamped to the end;
 *  - anything else (several ranges, other units, bad syntax, a start at or past the end, an
 *    empty suffix): unsatisfiable, answered 416 with `Content-Range: bytes *\/size`.
 */

export type RangeAnswer = { kind: 'whole' } | { kind: 'part'; start: number; end: number } | { kind: 'unsatisfiable'; why: string };

const SPEC = /^bytes=(\d*)-(\d*)$/;

/** What to send of a file of `size` bytes for these request headers. */
export function pickRange(range: string | undefined, size: number, ifRange?: string, etag?: string): RangeAnswer {
  if (range === undefined) return { kind: 'whole' };
  if (ifRange !== undefined && ifRange !== etag) return { kind: 'whole' };
  const m = SPEC.exec(range.trim());
  if (!m) return { kind: 'unsatisfiable', why: "only one range of bytes is served ('bytes=FIRST-LAST', 'bytes=FIRST-' or 'bytes=-COUNT')" };
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return { kind: 'unsatisfiable', why: 'the range names no bytes' };
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable', why: 'the range names no bytes of the file' };
    return { kind: 'part', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size) return { kind: 'unsatisfiable', why: `the range starts at or after the end of the file (${size} bytes)` };
  if (b !== '' && Number(b) < start) return { kind: 'unsatisfiable', why: 'the range ends before it starts' };
  return { kind: 'part', start, end };
}
