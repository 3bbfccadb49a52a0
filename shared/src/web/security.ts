/**
 * The web side's defences, in one place, for both homes (local viewer and console):
 *  - headers: every response gets `X-Content-Type-Options: nosniff`,
 *    `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY`; the page shell gets the page
 *    CSP (scripts and styles from this origin only, no framing); anything taken from a backup
 *    gets the content CSP (`sandbox; default-src 'none'`: nothing in it can run or load);
 *  - paths: a path from a URL (a query value or a path segment) is refused when, after
 *    percent-decoding, and again after decoding what is left (`%252e` → `%2e` → `.`, up to
 *    four more rounds), it has
 *    a `..` component (split on `/` and on `\`, so `..\x` counts too) or a NUL. A backslash
 *    elsewhere is allowed: names that are not UTF-8 are written `\xHH` (as `coffer ls` shows
 *    them), so refusing every backslash would make those files unreachable;
 *  - requests that change anything (every POST): `Origin` absent or equal to this server's
 *    own origin (scheme and Host), `Sec-Fetch-Site` absent or same-origin, and
 *    `X-CSRF-Token` equal to the session's token, compared in constant time.
 * Failures are `WebError`s: an HTTP status, a Connect-style code and a one-line message.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The page shell's Content-Security-Policy (the web layout in docs/ui.md). */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The Content-Security-Policy of everything served from a backup (downloads, previews). */
export const CONTENT_CSP = "sandbox; default-src 'none'";

/** A refusal: HTTP status, Connect-style code ("not_found", …) and a one-line message. */
export class WebError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sets the headers every response carries. */
export function setBaseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** Headers of the page shell (and of status pages in HTML). */
export function pageHeaders(): Record<string, string> {
  return { 'Content-Security-Policy': PAGE_CSP, 'X-Content-Type-Options': 'nosniff' };
}

/** Headers of content from a backup: nothing in it may run, load or be framed. */
export function contentHeaders(): Record<string, string> {
  return { 'Content-Security-Policy': CONTENT_CSP, 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin' };
}

function decodeOnce(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function traverses(s: string): boolean {
  return s.includes('\0') || s.split(/[/\\]/).some((c) => c === '..');
}

/**
 * Why `value` (already decoded once, as URLSearchParams and path segments give it) may not
 * be used as a path, or undefined when it may. Looks at it as given and decoded again, up
 * to four more times (what a server or proxy behind a sloppy one might still decode).
 */
export function unsafePathReason(value: string): string | undefined {
  let v: string | undefined = value;
  for (let round = 0; round < 5 && v !== undefined; round++) {
    if (traverses(v)) return v.includes('\0') ? 'holds a NUL' : "has a '..' component";
    if (!v.includes('%')) return undefined;
    const next = decodeOnce(v);
    if (next === v) return undefined;
    v = next;
  }
  return undefined;
}

/** `value` when it is a usable path (see unsafePathReason); else a 400 naming `field`. */
export function checkedPath(value: string, field: string): string {
  const why = unsafePathReason(value);
  if (why) throw new WebError(400, 'invalid_argument', `${field} ${why}; give a path inside the snapshot, without '..'`);
  return value;
}

/**
 * Checks the path part of a request URL (raw, as received): each segment, decoded, must be
 * a usable path (unsafePathReason). Returns the decoded segments.
 */
export function checkedUrlPath(rawPath: string): string[] {
  const segs = rawPath.split('/').slice(1);
  return segs.map((s) => {
    const d = decodeOnce(s);
    if (d === undefined) throw new WebError(400, 'invalid_argument', 'the URL path is not valid percent-encoding');
    if (unsafePathReason(d) !== undefined) {
      throw new WebError(400, 'invalid_argument', "the URL path has a '..' component or a NUL; use a path without them");
    }
    return d;
  });
}

/** This server's origin as the browser sees it (`http(s)://Host`), or undefined without Host. */
export function ownOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  return `${(req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** Throws 403 unless the request comes from this origin (or says nothing about it). */
export function requireSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = ownOrigin(req);
    if (!own || origin.toLowerCase() !== own) throw new WebError(403, 'permission_denied', `requests from origin ${origin === 'null' ? "'null'" : 'another site'} are refused; use the viewer's own pages`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new WebError(403, 'permission_denied', 'cross-site requests are refused; use the viewer\'s own pages');
  }
}

/** Whether two secrets are equal, in time independent of where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Throws 403 unless the request is same-origin and carries `csrfToken` in X-CSRF-Token. */
export function requireCsrf(req: IncomingMessage, csrfToken: string): void {
  requireSameOrigin(req);
  const given = req.headers['x-csrf-token'];
  if (typeof given !== 'string' || given === '' || !sameSecret(given, csrfToken)) {
    throw new WebError(403, 'permission_denied', 'missing or wrong X-CSRF-Token; reload the page (it reads the token from /session)');
  }
}
