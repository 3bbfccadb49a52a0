/**
 * Who is calling, for the web side: the `WebAuth` port both homes implement (the local
 * viewer here, the console with users and sessions in the controller), and the local one.
 *
 * What the web app (app.ts) relies on from every WebAuth:
 *  - `session(req)` reads the request's cookie only; a missing, garbled or expired cookie is
 *    `undefined`, never an exception; it never logs the cookie;
 *  - the session's `csrfToken` stays the same for the session's life and is not derivable
 *    from the cookie by anyone who sees only one of them;
 *  - `routes` answers its own paths (login, logout, token exchange) completely, or returns
 *    false having sent nothing; it runs before any other route.
 *
 * The local viewer (`createLocalAuth`): one random token per launch (32 bytes, base64url) in
 * the printed URL. A GET of a page with `?token=T` is checked in constant time; a good one
 * sets the cookie `coffer_ui_<id>` (a per-launch name; HttpOnly, SameSite=Strict, Path=/, Secure over TLS; a
 * separate per-launch secret, not the token) and answers 303 to the same page without the
 * token; a wrong one answers 401. The one local user is an admin.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../rpc/service.js';
import { sendError } from './respond.js';
import { sameSecret, WebError } from './security.js';

/** A signed-in browser. */
export interface WebSession {
  readonly principal: Principal;
  /** What every POST of this session must carry in X-CSRF-Token. */
  readonly csrfToken: string;
}

/** The home-specific fields of `GET /session`. */
export interface SessionDescription {
  /** The store's name (local viewer only). */
  readonly store?: string;
  /** Stores this session can reach (local: ["local"]). */
  readonly stores: readonly string[];
  /** Console: the controller's agent address (HOST:PORT), for the `coffer agent enroll` line. */
  readonly agentAddress?: string;
}

/** How one home signs browsers in (see the module comment for the guarantees). */
export interface WebAuth {
  session(req: IncomingMessage): Promise<WebSession | undefined>;
  routes(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  describe(session: WebSession): Promise<SessionDescription>;
  /** The message of a 401: how to get a session here (one line). */
  readonly signInHint: string;
}

/** The values of cookie `name` in the request (a browser may send several). */
export function cookieValues(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** A `Set-Cookie` value for a session cookie (HttpOnly, SameSite=Strict, Path=/). */
export function sessionCookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  const age = maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : '';
  return `${name}=${value}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}${age}`;
}

/** A random secret of `bytes` bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The prefix of the local viewer's cookie. Each launch names its cookie `coffer_ui_<id>`
 * with a random id: browsers do not keep cookies apart by port, so two viewers on
 * 127.0.0.1 with one cookie name would sign each other out.
 */
export const LOCAL_COOKIE = 'coffer_ui';

export interface LocalAuthOptions {
  /** The store's name as the user gave it (shown by /session). */
  readonly store: string;
  /** The local user's name (shown); role is admin. */
  readonly user: string;
  /** Served over TLS: the cookie gets Secure. */
  readonly secure: boolean;
}

export interface LocalAuth extends WebAuth {
  /** The token of the printed URL (`/?token=…`). Never log it. */
  readonly token: string;
}

/** The local viewer's sign-in: one token per launch, exchanged for a cookie. */
export function createLocalAuth(opts: LocalAuthOptions): LocalAuth {
  const token = randomSecret();
  const cookie = randomSecret();
  const cookieName = `${LOCAL_COOKIE}_${randomBytes(6).toString('hex')}`;
  const session: WebSession = { principal: { name: opts.user, role: 'admin' }, csrfToken: randomSecret() };
  return {
    token,
    signInHint: "no session: open the URL that 'coffer at <store> ui' printed (it carries the token)",
    session(req) {
      return Promise.resolve(cookieValues(req, cookieName).some((v) => sameSecret(v, cookie)) ? session : undefined);
    },
    describe() {
      return Promise.resolve({ store: opts.store, stores: ['local'] });
    },
    routes(req, res, url) {
      const given = url.searchParams.get('token');
      if (given === null || (req.method !== 'GET' && req.method !== 'HEAD')) return Promise.resolve(false);
      if (!sameSecret(given, token)) {
        sendError(req, res, new WebError(401, 'unauthenticated', "this link's token is not this viewer's; open the URL that 'coffer at <store> ui' printed when it started"));
        return Promise.resolve(true);
      }
      const rest = new URLSearchParams(url.searchParams);
      rest.delete('token');
      const q = rest.toString();
      // One leading slash: `//host/…` would send the browser to another site.
      const page = `/${url.pathname.replace(/^\/+/, '')}`;
      res.writeHead(303, { Location: `${page}${q ? `?${q}` : ''}`, 'Set-Cookie': sessionCookie(cookieName, cookie, opts.secure), 'Cache-Control': 'no-store', 'Content-Length': '0' });
      res.end();
      return Promise.resolve(true);
    },
  };
}
