/**
 * Content from a backup over plain GETs, on a StoreApi (shared/src/store-api.ts):
 *  - `GET|HEAD /download/file?snapshot=ID&path=P`: the file as an attachment
 *    (`application/octet-stream`), with a single HTTP Range (206 and Content-Range; 416 with
 *    `bytes *\/size` for a range it cannot serve; If-Range on the ETag, the content digest);
 *  - `GET /download/archive?snapshot=ID&path=P&path=Q&format=tar|zip`: a folder or a
 *    selection as one archive (no path: the whole snapshot);
 *  - `GET|HEAD /preview/file?snapshot=ID&path=P`: the file inline, typed by content-type.ts
 *    (an image by its magic bytes, else text/plain or octet-stream; never HTML or SVG).
 * Guarantees: every answer carries nosniff and the content CSP (`sandbox; default-src
 * 'none'`); paths with `..` or NUL (also encoded twice) are 400; unknown snapshots and paths
 * are the StoreApi's NOT_FOUND as 404, in one line; the status is decided from the first
 * chunk, so a failure before any byte is a real status, and a failure after the headers cuts
 * the connection (a short download, never a silently complete one); bytes are written as
 * the socket drains (memory bounded by one chunk), and the StoreApi call's signal aborts
 * when the client goes away. `store` is passed to the StoreApi as given.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FileChunk, TreeEntry } from '../gen/coffer/v1/store.js';
import { writeDrained } from '../rpc/drain.js';
import type { CallContext } from '../rpc/service.js';
import type { StoreApi } from '../store-api.js';
import { contentDisposition, previewType } from './content-type.js';
import { pickRange } from './range.js';
import { checkedPath, contentHeaders, WebError } from './security.js';

/** The GET paths this module answers. */
export const DOWNLOAD_PATHS: readonly string[] = ['/download/file', '/download/archive', '/preview/file'];

function param(url: URL, name: string, required: boolean): string {
  const v = url.searchParams.get(name);
  if (v === null || (required && v === '')) {
    if (required) throw new WebError(400, 'invalid_argument', `missing query parameter '${name}'; add ${name}=… to the URL`);
    return '';
  }
  return v;
}

function baseName(p: string): string {
  const parts = p.split('/').filter((s) => s !== '');
  return parts[parts.length - 1] ?? '';
}

type Headers = Record<string, string>;

/**
 * Sends `chunks`: pulls the first before the headers (a failure there throws, for a real
 * status; `headers` may depend on its bytes), then streams the rest as the socket drains;
 * stops when the client leaves.
 */
async function sendChunks(req: IncomingMessage, res: ServerResponse, chunks: AsyncIterable<FileChunk>, status: number, headers: Headers | ((head: Buffer) => Headers), signal: AbortSignal): Promise<void> {
  const it = chunks[Symbol.asyncIterator]();
  const first = await it.next();
  const head = typeof headers === 'function' ? headers(first.done ? Buffer.alloc(0) : first.value.data) : headers;
  res.writeHead(status, { ...contentHeaders(), 'Cache-Control': 'private, no-store', ...head });
  if (req.method === 'HEAD') {
    await it.return?.();
    res.end();
    return;
  }
  try {
    for (let r = first; !r.done; r = await it.next()) {
      if (signal.aborted) return;
      if (r.value.data.length > 0) await writeDrained(res, r.value.data);
    }
    if (!signal.aborted) res.end();
  } finally {
    if (signal.aborted) await it.return?.();
  }
}

/** The entry at `path` (ListTree's `entry`), which must be a file. */
async function fileEntry(api: StoreApi, store: string, snapshot: string, path: string, ctx: CallContext): Promise<TreeEntry> {
  const r = await api.listTree({ store, snapshot, path, sort: '', descending: false, offset: 0, limit: 1, filter: '' }, ctx);
  const e = r.entry;
  if (e?.type === 'dir') throw new WebError(400, 'invalid_argument', `'${path}' is a folder; download it with /download/archive`);
  if (e?.type !== 'file') throw new WebError(400, 'invalid_argument', `'${path}' is not a regular file (${e?.type ?? 'no entry'}); only files can be downloaded or previewed`);
  return e;
}

function fileRequest(url: URL): { store: string; snapshot: string; path: string } {
  return { store: param(url, 'store', false), snapshot: param(url, 'snapshot', true), path: checkedPath(param(url, 'path', true), 'path') };
}

async function downloadFile(req: IncomingMessage, res: ServerResponse, url: URL, api: StoreApi, ctx: CallContext): Promise<void> {
  const f = fileRequest(url);
  const e = await fileEntry(api, f.store, f.snapshot, f.path, ctx);
  const etag = e.digest ? `"${e.digest}"` : undefined;
  const ifRange = typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined;
  const pick = pickRange(req.headers.range, e.size, ifRange, etag);
  if (pick.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${e.size}`);
    throw new WebError(416, 'out_of_range', pick.why);
  }
  const start = pick.kind === 'part' ? pick.start : 0;
  const length = pick.kind === 'part' ? pick.end - pick.start + 1 : e.size;
  const headers: Headers = {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': contentDisposition('attachment', baseName(f.path)),
    'Content-Length': String(length),
    'Accept-Ranges': 'bytes',
    ...(etag ? { ETag: etag } : {}),
    ...(pick.kind === 'part' ? { 'Content-Range': `bytes ${pick.start}-${pick.end}/${e.size}` } : {}),
  };
  const status = pick.kind === 'part' ? 206 : 200;
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(status, { ...contentHeaders(), 'Cache-Control': 'private, no-store', ...headers });
    res.end();
    return;
  }
  await sendChunks(req, res, api.readFile({ ...f, offset: start, length }, ctx), status, headers, ctx.signal);
}

async function downloadArchive(req: IncomingMessage, res: ServerResponse, url: URL, api: StoreApi, ctx: CallContext): Promise<void> {
  const format = url.searchParams.get('format') ?? 'tar';
  if (format !== 'tar' && format !== 'zip') throw new WebError(400, 'invalid_argument', `format '${format}' is not served; use format=tar or format=zip`);
  const snapshot = param(url, 'snapshot', true);
  const paths = url.searchParams.getAll('path').map((p) => checkedPath(p, 'path')).filter((p) => p !== '');
  const name = `${paths.length === 1 ? baseName(paths[0] as string) || 'snapshot' : 'snapshot'}-${snapshot.slice(0, 8)}.${format}`;
  const headers = { 'Content-Type': format === 'zip' ? 'application/zip' : 'application/x-tar', 'Content-Disposition': contentDisposition('attachment', name) };
  await sendChunks(req, res, api.readArchive({ store: param(url, 'store', false), snapshot, paths, format }, ctx), 200, headers, ctx.signal);
}

async function previewFile(req: IncomingMessage, res: ServerResponse, url: URL, api: StoreApi, ctx: CallContext): Promise<void> {
  const f = fileRequest(url);
  const e = await fileEntry(api, f.store, f.snapshot, f.path, ctx);
  const disposition = contentDisposition('inline', baseName(f.path));
  if (e.size === 0) {
    res.writeHead(200, { ...contentHeaders(), 'Cache-Control': 'private, no-store', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0', 'Content-Disposition': disposition });
    res.end();
    return;
  }
  const headers = (head: Buffer): Headers => ({ 'Content-Type': previewType(head), 'Content-Length': String(e.size), 'Content-Disposition': disposition });
  await sendChunks(req, res, api.readFile({ ...f, offset: 0, length: 0 }, ctx), 200, headers, ctx.signal);
}

/**
 * Answers one of DOWNLOAD_PATHS from `api` (GET, or HEAD where noted). Throws WebError or
 * the StoreApi's errors before the headers are sent; the caller turns them into answers.
 */
export async function serveDownload(req: IncomingMessage, res: ServerResponse, url: URL, api: StoreApi, ctx: CallContext): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new WebError(405, 'unimplemented', `${url.pathname}: use GET`);
  if (url.pathname === '/download/file') return downloadFile(req, res, url, api, ctx);
  if (url.pathname === '/preview/file') return previewFile(req, res, url, api, ctx);
  if (req.method === 'HEAD') throw new WebError(405, 'unimplemented', '/download/archive: use GET (its size is known only once it is made)');
  return downloadArchive(req, res, url, api, ctx);
}
