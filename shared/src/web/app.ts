/**
 * The web side of both homes as one node request listener (the web layout in docs/ui.md):
 *
 *   any path with `..` or NUL (raw or percent-decoded, also twice) → 400
 *   the home's own routes (auth.routes: token exchange, login, logout)
 *   GET  /session                      → the session, or 401 {code,message,home}
 *   POST /<package.Service>/<Method>   → Connect (connect-server.ts); session, same origin
 *                                        and X-CSRF-Token needed (401 / 403)
 *   GET  /download/file|archive, /preview/file → downloads.ts; session needed (401)
 *   GET  /assets/<name>                → the app's files (assets.ts), no session needed
 *   GET  any other path without a dot, or under /stores/ → the page shell (client routing), no session needed
 *   anything else                      → 404
 *
 * `/healthz` and `/metrics` stay the owner's: it answers them before calling this listener.
 * Guarantees: every answer carries nosniff, Referrer-Policy no-referrer and
 * X-Frame-Options DENY; every error is one line (JSON for API calls and clients accepting
 * JSON, a small page for browsers, text otherwise) with its status, never a stack;
 * unexpected errors are logged with the method and path only (never the query, which may
 * hold the local token, nor cookies); `authorize` runs before every Connect call and
 * download with the session's principal.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createConnectHandler, type ServiceBinding } from '../rpc/connect-server.js';
import type { Principal } from '../rpc/service.js';
import type { StoreApi } from '../store-api.js';
import { createAssets } from './assets.js';
import type { WebAuth, WebSession } from './auth.js';
import { DOWNLOAD_PATHS, serveDownload } from './downloads.js';
import { sendError, sendJson, toWebError } from './respond.js';
import { checkedUrlPath, requireCsrf, setBaseHeaders, WebError } from './security.js';

/** Where unexpected errors go (a pino logger fits). */
export interface WebLog {
  error(message: string): void;
}

export interface WebAppOptions {
  readonly home: 'local' | 'console';
  readonly auth: WebAuth;
  /** The StoreApi of a store for downloads (`store` query value; '' when absent); undefined: 404. */
  storeApi(store: string, session: WebSession): StoreApi | undefined;
  /** Connect services (POST /<package.Service>/<Method>). */
  readonly services: readonly ServiceBinding[];
  /**
   * Throws (RpcError PERMISSION_DENIED or WebError 403) when `principal` may not use `path`:
   * a Connect path (`/coffer.v1.StoreService/Restore`) or one of the download paths.
   */
  authorize?(path: string, principal: Principal, req: IncomingMessage): void;
  readonly log: WebLog;
  /** Default: assetsDir(). */
  readonly assetsDir?: string;
  /** Bound of a Connect request body; default 1 MiB. */
  readonly maxBodyBytes?: number;
}

const principals = new WeakMap<IncomingMessage, Principal>();

function unauthenticated(auth: WebAuth, home: string): { code: string; message: string; home: string } {
  return { code: 'unauthenticated', message: auth.signInHint, home };
}

/**
 * A page path: a GET of a path whose last segment has no dot (`/stores/local/snapshots`), or
 * of anything under /stores/ (store views name files and folders, whose names hold dots:
 * `/stores/local/snapshots/<id>/file/notes.txt`).
 */
function isPagePath(req: IncomingMessage, segments: readonly string[]): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  return segments[0] === 'stores' || !(segments[segments.length - 1] ?? '').includes('.');
}

/** The request listener of the web app. */
export function createWebApp(opts: WebAppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const assets = createAssets(opts.assetsDir);
  const prefixes = opts.services.map((s) => `/${s.def.fullName}/`);
  const connect = createConnectHandler({
    services: opts.services,
    ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
    authenticate: (req) => Promise.resolve(principals.get(req)),
    authorize(path, principal, req) {
      if (principal) opts.authorize?.(path, principal, req);
    },
    onInternalError: (path, err) => opts.log.error(`web: POST ${path}: ${err instanceof Error ? err.message : String(err)}`),
  });

  async function needSession(req: IncomingMessage, res: ServerResponse): Promise<WebSession | undefined> {
    const s = await opts.auth.session(req);
    if (!s) sendJson(res, 401, unauthenticated(opts.auth, opts.home));
    return s;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setBaseHeaders(res);
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) throw new WebError(400, 'invalid_argument', 'the request target must be a path');
    const rawPath = raw.split('?')[0] as string;
    const segments = checkedUrlPath(rawPath);
    const url = new URL(`http://web${raw}`);
    if (await opts.auth.routes(req, res, url)) return;
    const path = url.pathname;
    if (path === '/session') {
      if (req.method !== 'GET') throw new WebError(405, 'unimplemented', '/session: use GET');
      const s = await needSession(req, res);
      if (!s) return;
      const d = await opts.auth.describe(s);
      sendJson(res, 200, { home: opts.home, ...(d.store !== undefined ? { store: d.store } : {}), user: { name: s.principal.name, role: s.principal.role }, csrfToken: s.csrfToken, stores: d.stores, ...(d.agentAddress !== undefined ? { agentAddress: d.agentAddress } : {}) });
      return;
    }
    if (prefixes.some((p) => path.startsWith(p))) {
      const s = await needSession(req, res);
      if (!s) return;
      if (req.method === 'POST') requireCsrf(req, s.csrfToken);
      principals.set(req, s.principal);
      if (!(await connect(req, res))) throw new WebError(404, 'unimplemented', `${path}: no such method`);
      return;
    }
    if (DOWNLOAD_PATHS.includes(path)) {
      const s = await needSession(req, res);
      if (!s) return;
      opts.authorize?.(path, s.principal, req);
      const store = url.searchParams.get('store') ?? '';
      const api = opts.storeApi(store, s);
      if (!api) throw new WebError(404, 'not_found', `store '${store}' is not known here; pick a store from the list`);
      const ac = new AbortController();
      res.on('close', () => ac.abort());
      await serveDownload(req, res, url, api, { signal: ac.signal, principal: s.principal });
      return;
    }
    if (path.startsWith('/assets/') && (req.method === 'GET' || req.method === 'HEAD')) {
      await assets.serveAsset(req, res, segments.slice(1).join('/'));
      return;
    }
    if (isPagePath(req, segments)) {
      await assets.servePage(req, res);
      return;
    }
    throw new WebError(404, 'not_found', `nothing at ${req.method ?? 'GET'} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
  }

  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const { error, unexpected } = toWebError(err);
      if (unexpected) opts.log.error(`web: ${req.method ?? '?'} ${(req.url ?? '').split('?')[0] ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.writableEnded) sendError(req, res, error);
    });
  };
}
