/**
 * What the browser is told about content from a backup: its type for a preview and its
 * Content-Disposition. Pure. Guarantees:
 *  - a preview is an image only by its first bytes (PNG, JPEG, GIF, WebP magic numbers),
 *    never by its name; SVG, HTML and everything else are `text/plain; charset=utf-8` when
 *    the first bytes read as UTF-8 text, else `application/octet-stream`: never a type a
 *    browser renders as markup or runs;
 *  - a file name goes into Content-Disposition only as an ASCII fallback (anything but
 *    letters, digits and `._-+,@()[] ` turned into `_`) and as RFC 5987 `filename*`
 *    (percent-encoded UTF-8): no quote, semicolon, CR or LF of a backed-up name reaches the
 *    header unescaped.
 */

const MAGIC: readonly { type: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** Whether `head` (the first bytes of a file) reads as text: no NUL, valid UTF-8 (a sequence cut at the end allowed). */
export function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  const cut = Math.max(0, head.length - 3);
  for (let end = head.length; end >= cut; end--) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
      return true;
    } catch {
      // a multi-byte sequence may be cut by the end of `head`: try a little shorter
    }
  }
  return false;
}

/** The Content-Type of a preview whose first bytes are `head`. */
export function previewType(head: Buffer): string {
  for (const m of MAGIC) if (m.test(head)) return m.type;
  return looksLikeText(head) ? 'text/plain; charset=utf-8' : 'application/octet-stream';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `name` percent-encoded as RFC 5987 value-chars (UTF-8). */
function rfc5987(name: string): string {
  return encodeURIComponent(name.replace(LONE_SURROGATE, '\uFFFD')).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A Content-Disposition for `name` (the last component of a backed-up path). */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const base = name === '' ? 'download' : name;
  const ascii = base.replace(/[^A-Za-z0-9._\-+,@()[\] ]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${rfc5987(base)}`;
}
