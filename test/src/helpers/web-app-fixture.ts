/**
 * The web app (shared/src/web/app.ts) with the local sign-in on a real node:http server on
 * loopback, over an in-memory StoreApi (fake-store-api.ts) and a temporary built-app folder
 * (an index.html and two assets), for the web-*.test.ts unit tests: start it, sign in with
 * the token (the cookie), read /session (the CSRF token), stop it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { StoreServiceDefinition } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { Principal } from '@coffer/shared/rpc/service.js';
import { createLocalAuth } from '@coffer/shared/web/auth.js';
import { createWebApp } from '@coffer/shared/web/app.js';
import { fakeStoreApi, type FakeNode } from './fake-store-api.js';
import { request, type HttpAnswer, type RequestOptions } from './http-client.js';

export const SHELL = '<!doctype html><html><head><script type="module" src="/assets/app-ABCD1234.js"></script></head><body><div id="app"></div></body></html>\n';

export interface WebFixture {
  readonly base: string;
  readonly token: string;
  readonly api: ReturnType<typeof fakeStoreApi>;
  /** Lines the app logged. */
  readonly logged: string[];
  /** Set to refuse paths (the `authorize` hook). */
  deny: (path: string, principal: Principal) => boolean;
  /** A request to `path` on the app (headers merged). */
  get(path: string, opts?: RequestOptions): Promise<HttpAnswer>;
  /** The cookie header a signed-in browser sends. */
  signIn(): Promise<string>;
  /** Signed in: cookie and CSRF token. */
  session(): Promise<{ cookie: string; csrf: string }>;
  stop(): Promise<void>;
}

/** Starts the app; `built` false leaves the app folder empty (not built). */
export async function startWebApp(snapshots: Record<string, Record<string, FakeNode>>, built = true): Promise<WebFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-web-'));
  if (built) {
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), SHELL);
    fs.writeFileSync(path.join(dir, 'assets', 'app-ABCD1234.js'), 'console.log(1);\n');
    fs.writeFileSync(path.join(dir, 'assets', 'plain.css'), 'body{}\n');
  }
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside assets\n');
  const api = fakeStoreApi(snapshots);
  const auth = createLocalAuth({ store: '/srv/store', user: 'tester', secure: false });
  const logged: string[] = [];
  const fx = {
    deny: (_p: string, _who: Principal) => false,
  } as WebFixture;
  const listener = createWebApp({
    home: 'local',
    auth,
    storeApi: (store) => (store === '' || store === 'local' ? api : undefined),
    services: [{ def: StoreServiceDefinition, impl: api }],
    authorize(p, who) {
      if (fx.deny(p, who)) throw new RpcError(status.PERMISSION_DENIED, `${p}: not for role ${who.role}`);
    },
    log: { error: (m) => logged.push(m) },
    assetsDir: dir,
  });
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signIn = async (): Promise<string> => {
    const r = await request(`${base}/?token=${auth.token}`);
    assert.equal(r.status, 303);
    const set = String(r.headers['set-cookie']?.[0] ?? '');
    return set.split(';')[0] as string;
  };
  return Object.assign(fx, {
    base,
    token: auth.token,
    api,
    logged,
    get: (p: string, opts: RequestOptions = {}) => request(`${base}${p}`, opts),
    signIn,
    async session() {
      const cookie = await signIn();
      const r = await request(`${base}/session`, { headers: { cookie } });
      assert.equal(r.status, 200);
      return { cookie, csrf: (JSON.parse(r.body.toString()) as { csrfToken: string }).csrfToken };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}
