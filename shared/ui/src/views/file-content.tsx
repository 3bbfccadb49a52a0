/**
 * How a file's content is shown: the first MiB fetched with an HTTP Range request from
 * /download/file; valid UTF-8 without NULs is text with line numbers, anything else a hex
 * view of its first 64 KiB. Images (png, jpeg, gif, webp by name) are an <img> of
 * /preview/file, which the server sends as that image type or not at all as markup.
 * Guarantees: content only ever becomes text nodes (never HTML), whatever the file holds.
 */
import type { JSX } from 'preact';
import { ApiError } from '../api/connect.js';
import { Await } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { bytes } from '../format.js';
import { downloadFileUrl, previewFileUrl } from '../paths.js';

export const TEXT_LIMIT = 1 << 20;
export const HEX_LIMIT = 64 << 10;
const IMAGE = /\.(png|jpe?g|gif|webp)$/i;

export function isImageName(name: string): boolean {
  return IMAGE.test(name);
}

async function head(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { credentials: 'same-origin', headers: { Range: `bytes=0-${TEXT_LIMIT - 1}` }, signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    throw new ApiError(body?.code ?? (res.status === 404 ? 'not_found' : 'unknown'), body?.message ?? `the server answered HTTP ${res.status}`);
  }
  const buf = new Uint8Array(await res.arrayBuffer());
  return buf.length > TEXT_LIMIT ? buf.subarray(0, TEXT_LIMIT) : buf;
}

/** The text of `b` when it is UTF-8 without NULs (a sequence cut at the end is tolerated). */
export function asText(b: Uint8Array): string | undefined {
  if (b.includes(0)) return undefined;
  for (let cut = 0; cut < 4 && cut <= b.length; cut++) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, b.length - cut));
    } catch {
      // maybe a character split at the end of the range: try a shorter prefix
    }
  }
  return undefined;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Classic hex dump lines: offset, 16 bytes, printable ASCII. */
export function hexDump(b: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const row = b.subarray(off, off + 16);
    const hex = Array.from(row, (x) => HEX[x] ?? '??').join(' ');
    const ascii = Array.from(row, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

function TextView({ text, cut }: { text: string; cut: boolean }): JSX.Element {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const numbers = lines.map((_, i) => String(i + 1)).join('\n');
  return (
    <>
      {cut ? <p class="muted">Showing the first {bytes(TEXT_LIMIT)}; download the file for all of it.</p> : null}
      <div class="textview" tabIndex={0} role="region" aria-label="File text">
        <pre class="lineno" aria-hidden="true">
          {numbers}
        </pre>
        <pre class="text">{lines.join('\n')}</pre>
      </div>
    </>
  );
}

function HexView({ data, size }: { data: Uint8Array; size: number }): JSX.Element {
  return (
    <>
      <p class="muted">
        Not text: the first {bytes(Math.min(size, HEX_LIMIT))} in hex{size > HEX_LIMIT ? ` of ${bytes(size)}` : ''}.
      </p>
      <pre class="hexview" tabIndex={0} role="region" aria-label="Hex view">
        {hexDump(data.subarray(0, HEX_LIMIT))}
      </pre>
    </>
  );
}

export function FileContent({ store, snapshot, path, name, size }: { store: string; snapshot: string; path: string; name: string; size: number }): JSX.Element {
  const skip = isImageName(name) || size === 0;
  const st = useApi((signal) => (skip ? Promise.resolve(new Uint8Array(0)) : head(downloadFileUrl(store, snapshot, path), signal)), [store, snapshot, path, skip]);
  if (isImageName(name)) {
    return (
      <figure class="imageview">
        <img src={previewFileUrl(store, snapshot, path)} alt={`Preview of ${name}`} />
      </figure>
    );
  }
  return (
    <Await st={st} what="the file">
      {(data) => {
        if (size === 0) return <p class="muted">The file is empty.</p>;
        const text = asText(data);
        return text !== undefined ? <TextView text={text} cut={size > TEXT_LIMIT} /> : <HexView data={data} size={size} />;
      }}
    </Await>
  );
}
