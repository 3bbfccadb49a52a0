/**
 * The console's sign-in (the WebAuth port of shared/src/web/auth.ts): console users
 * (catalog/users.ts) with passwords and in-memory sessions (sessions.ts).
 *  - `POST /login` with JSON `{"name","password"}` (same origin or no Origin; at most
 *    4 KiB): a good password sets the cookie `coffer_session` (HttpOnly, Secure,
 *    SameSite=Strict, Path=/) and answers `{"user":{name,role},"csrfToken"}`; a wrong
 *    password and an unknown name get the same 401 ("unknown name or wrong password")
 *    after the same argon2id work; while login-throttle.ts holds the name or the address,
 *    429 with Retry-After (seconds), without checking anything.
 *  - `POST /logout` (with the session's X-CSRF-Token when a session is open): ends the
 *    session and clears the cookie; 204.
 *  - `session(req)`: the cookie's session if live and its user still exists, with the
 *    user's current role; each request counts as use (idle expiry).
 * Logins, refusals and logouts are logged with the name and address, never a password,
 * cookie or token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cookieValues, sessionCookie, type SessionDescription, type WebAuth, type WebSession } from '@coffer/shared/web/auth.js';
import { sendError, sendJson } from '@coffer/shared/web/respond.js';
import { requireCsrf, requireSameOrigin, WebError } from '@coffer/shared/web/security.js';
import { dummyHash, verifyPassword } from '../api/passwords.js';
import { roleOf } from '../api/roles.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../observability/log.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'coffer_session';
const MAX_LOGIN_BODY = 4096;
const REFUSED = 'unknown name or wrong password';

export interface ConsoleAuthDeps {
  readonly catalog: Catalog;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly log: Logger;
  readonly clock: { now(): number };
  /** The agent port's address (HOST:PORT) shown in enroll lines. */
  readonly agentAddress?: string;
}

/** The client's address (the socket's peer; a reverse proxy in front is one address). */
function addressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '?';
}

async function readLogin(req: IncomingMessage): Promise<{ name: string; password: string }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
  if (type !== 'application/json') throw new WebError(415, 'invalid_argument', 'POST /login takes JSON {"name","password"} (Content-Type application/json)');
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_LOGIN_BODY) throw new WebError(413, 'resource_exhausted', `the login body is over ${MAX_LOGIN_BODY} bytes`);
    parts.push(c);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    throw new WebError(400, 'invalid_argument', 'the login body is not JSON; send {"name","password"}');
  }
  const b = body as { name?: unknown; password?: unknown } | null;
  if (typeof b?.name !== 'string' || typeof b.password !== 'string') throw new WebError(400, 'invalid_argument', 'send {"name","password"}, both strings');
  return { name: b.name, password: b.password };
}

export function createConsoleAuth(d: ConsoleAuthDeps): WebAuth {
  // Computed now, so the first unknown name is refused as fast as a wrong password.
  void dummyHash();
  const principalOf = (user: string): WebSession['principal'] | undefined => {
    const u = d.catalog.users.get(user);
    const role = u ? roleOf(u.role) : undefined;
    return role ? { name: user, role } : undefined;
  };

  const live = (req: IncomingMessage): { id: string; session: WebSession } | undefined => {
    for (const id of cookieValues(req, SESSION_COOKIE)) {
      const s = d.sessions.get(id);
      const principal = s ? principalOf(s.user) : undefined;
      if (s && principal) return { id, session: { principal, csrfToken: s.csrfToken } };
    }
    return undefined;
  };

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requireSameOrigin(req);
    const address = addressOf(req);
    const { name, password } = await readLogin(req);
    const wait = d.throttle.retryAfterMs(name, address);
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      d.log.warn({ user: name, address, retryAfterS: s }, 'console login refused: too many failures');
      sendJson(res, 429, { code: 'resource_exhausted', message: `too many failed logins; try again in ${s} s` }, { 'Retry-After': String(s) });
      return;
    }
    const user = name.length <= 64 ? d.catalog.users.get(name) : undefined;
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
    const role = user ? roleOf(user.role) : undefined;
    if (!ok || !user || !role) {
      d.throttle.failed(name, address);
      d.log.warn({ user: name, address }, 'console login refused');
      sendJson(res, 401, { code: 'unauthenticated', message: REFUSED });
      return;
    }
    d.throttle.succeeded(name);
    const { id, session } = d.sessions.create(user.name);
    d.catalog.users.loggedIn(user.name, d.clock.now());
    d.log.info({ user: user.name, role, address }, 'console login');
    sendJson(res, 200, { user: { name: user.name, role }, csrfToken: session.csrfToken }, { 'Set-Cookie': sessionCookie(SESSION_COOKIE, id, true) });
  }

  function logout(req: IncomingMessage, res: ServerResponse): void {
    requireSameOrigin(req);
    const cur = live(req);
    if (cur) {
      requireCsrf(req, cur.session.csrfToken);
      d.sessions.end(cur.id);
      d.log.info({ user: cur.session.principal.name, address: addressOf(req) }, 'console logout');
    }
    res.writeHead(204, { 'Set-Cookie': sessionCookie(SESSION_COOKIE, '', true, 0), 'Cache-Control': 'no-store' });
    res.end();
  }

  return {
    signInHint: 'not logged in, or the session expired; log in at /login',
    session: (req) => Promise.resolve(live(req)?.session),
    describe: (): Promise<SessionDescription> => Promise.resolve({ stores: d.catalog.stores.list().map((s) => s.name), ...(d.agentAddress !== undefined ? { agentAddress: d.agentAddress } : {}) }),
    async routes(req, res, url) {
      if (req.method !== 'POST' || (url.pathname !== '/login' && url.pathname !== '/logout')) return false;
      try {
        if (url.pathname === '/login') await login(req, res);
        else logout(req, res);
      } catch (err) {
        sendError(req, res, err instanceof WebError ? err : new WebError(500, 'internal', 'internal error (see the controller log)'));
        if (!(err instanceof WebError)) d.log.error({ err, path: url.pathname }, 'console sign-in failed');
      }
      return true;
    },
  };
}
