/**
 * One-line answers of the web side: errors as JSON (`{"code","message"}`, for API calls and
 * clients that accept JSON), as a small HTML status page (for a browser navigating to a
 * page), or as one line of text (downloads, everything else). Messages are escaped in HTML
 * and never carry a stack; every answer is `no-store` with nosniff.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connectError, connectHttpStatus } from '../rpc/connect-server.js';
import { RpcError, toRpcError } from '../rpc/errors.js';
import { pageHeaders, WebError } from './security.js';

/**
 * `err` as a WebError: a WebError as is, an RpcError or CofferError with its Connect code
 * and status; anything else a generic 500 (`unexpected` true: the caller logs it).
 */
export function toWebError(err: unknown): { error: WebError; unexpected: boolean } {
  if (err instanceof WebError) return { error: err, unexpected: false };
  const e = toRpcError(err);
  const c = connectError(e);
  return { error: new WebError(connectHttpStatus(e.code), c.code, c.message), unexpected: !(err instanceof RpcError) && c.code === 'internal' };
}

/** Escapes text for HTML (element content and quoted attributes). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/** A small HTML page (title and one paragraph), with the page CSP. */
export function sendHtmlStatus(req: IncomingMessage, res: ServerResponse, status: number, title: string, message: string): void {
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark"><title>${escapeHtml(title)} · Coffer</title></head>\n<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>\n`;
  res.writeHead(status, { ...pageHeaders(), 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : html);
}

function wantsJson(req: IncomingMessage): boolean {
  return req.method === 'POST' || (req.headers.accept ?? '').includes('application/json');
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Not signed in', 403: 'Refused', 404: 'Not found', 405: 'Method not allowed', 413: 'Too large', 416: 'Range not satisfiable', 500: 'Server error', 503: 'Unavailable' };

/**
 * Answers `err` (a WebError, or anything else as a generic 500 the caller has logged) in
 * the form the client asked for. Once headers are out, the connection is cut instead, so a
 * download that fails midway is never taken for complete.
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const e = err instanceof WebError ? err : new WebError(500, 'internal', 'internal error (see the server log)');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (wantsJson(req)) sendJson(res, e.status, { code: e.code, message: e.message }, headers);
  else if (wantsHtml(req)) sendHtmlStatus(req, res, e.status, TITLES[e.status] ?? 'Error', e.message);
  else {
    const text = `${e.message}\n`;
    res.writeHead(e.status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}
