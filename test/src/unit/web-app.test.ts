/**
 * Unit tests of the web app (shared/src/web/app.ts) with the local sign-in (auth.ts) on a
 * real HTTP server: the token exchange and its cookie, /session, Connect calls guarded by
 * the session, the Origin and the CSRF token, the role hook, the page shell and the app's
 * files with their headers, traversal in the URL path, the "not built" page, and errors in
 * one line.
 */
import assert from 'node:assert/strict';
import { PAGE_CSP } from '@coffer/shared/web/security.js';
import { SHELL, startWebApp, type WebFixture } from '../helpers/web-app-fixture.js';

const SNAPS = { s1: { 'a.txt': Buffer.from('hello') } };

function json(body: Buffer): Record<string, unknown> {
  return JSON.parse(body.toString()) as Record<string, unknown>;
}

describe('web app: sign-in, session, Connect, shell (shared/src/web)', () => {
  let fx: WebFixture;
  before(async () => {
    fx = await startWebApp(SNAPS);
  });
  after(async () => fx.stop());
  afterEach(() => {
    fx.deny = () => false;
  });

  it('exchanges the printed token for an HttpOnly SameSite=Strict cookie and a 303 to the page without it', async () => {
    const r = await fx.get(`/?token=${fx.token}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    const set = r.headers['set-cookie']?.[0] ?? '';
    assert.match(set, /^coffer_ui_[0-9a-f]{12}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/);
    assert.ok(!set.includes(fx.token), 'the cookie must not be the token');
    const deep = await fx.get(`/stores/local/snapshots?source=a&token=${fx.token}&page=2`);
    assert.equal(deep.headers.location, '/stores/local/snapshots?source=a&page=2');
    const evil = await fx.get('', { rawPath: `//evil.example/?token=${fx.token}` });
    assert.equal(evil.status, 303);
    assert.match(evil.headers.location ?? '', /^\/[^/]/, 'the redirect stays on this site');
  });

  it('refuses a wrong token with 401 and no cookie', async () => {
    const r = await fx.get(`/?token=${fx.token.slice(0, -2)}xx`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 401);
    assert.equal(r.headers['set-cookie'], undefined);
    assert.match(r.body.toString(), /printed/);
  });

  it('answers /session 401 with the home without a cookie, and the session with it', async () => {
    const none = await fx.get('/session');
    assert.equal(none.status, 401);
    assert.deepEqual(Object.keys(json(none.body)).sort(), ['code', 'home', 'message']);
    assert.equal(json(none.body).home, 'local');
    const forged = await fx.get('/session', { headers: { cookie: `coffer_ui=${fx.token}` } });
    assert.equal(forged.status, 401, 'the token itself is not a cookie');
    const cookie = await fx.signIn();
    const r = await fx.get('/session', { headers: { cookie: `other=1; ${cookie}` } });
    assert.equal(r.status, 200);
    const s = json(r.body);
    assert.equal(s.home, 'local');
    assert.equal(s.store, '/srv/store');
    assert.deepEqual(s.user, { name: 'tester', role: 'admin' });
    assert.deepEqual(s.stores, ['local']);
    assert.match(String(s.csrfToken), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(r.headers['cache-control'], 'no-store');
  });

  const info = (headers: Record<string, string>) => fx.get('/coffer.v1.StoreService/GetStoreInfo', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  it('answers a Connect call only with the cookie, a same-origin Origin (or none) and the CSRF token', async () => {
    const { cookie, csrf } = await fx.session();
    assert.equal((await info({ 'x-csrf-token': csrf })).status, 401);
    const noCsrf = await info({ cookie });
    assert.equal(noCsrf.status, 403);
    assert.equal(json(noCsrf.body).code, 'permission_denied');
    assert.equal((await info({ cookie, 'x-csrf-token': `${csrf}x` })).status, 403);
    assert.equal((await info({ cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' })).status, 403);
    assert.equal((await info({ cookie, 'x-csrf-token': csrf, origin: 'null' })).status, 403);
    assert.equal((await info({ cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'same-site' })).status, 403);
    const ok = await info({ cookie, 'x-csrf-token': csrf, origin: fx.base, 'sec-fetch-site': 'same-origin' });
    assert.equal(ok.status, 200);
    assert.equal(json(ok.body).snapshots, 1);
    assert.equal((await info({ cookie, 'x-csrf-token': csrf })).status, 200, 'no Origin at all is allowed');
  });

  it('runs the role hook before a Connect call', async () => {
    const { cookie, csrf } = await fx.session();
    fx.deny = (p) => p === '/coffer.v1.StoreService/GetStoreInfo';
    const r = await info({ cookie, 'x-csrf-token': csrf });
    assert.equal(r.status, 403);
    assert.match(String(json(r.body).message), /not for role admin/);
  });

  it('answers 404 for an unknown method and 405 for the wrong HTTP method', async () => {
    const { cookie, csrf } = await fx.session();
    const r = await fx.get('/coffer.v1.StoreService/Nope', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 404);
    assert.equal(json(r.body).code, 'unimplemented');
    const g = await fx.get('/coffer.v1.StoreService/GetStoreInfo', { headers: { cookie } });
    assert.equal(g.status, 405);
    assert.equal((await fx.get('/session', { method: 'POST', headers: { cookie } })).status, 405);
  });

  it('serves the page shell for page paths without a session, with the page CSP and the common headers', async () => {
    for (const p of ['/', '/stores/local/snapshots', '/stores/local/snapshots/s1/tree/a%20b/c?sort=size', '/stores/local/snapshots/s1/file/notes.txt', '/jobs/j1']) {
      const r = await fx.get(p);
      assert.equal(r.status, 200, p);
      assert.equal(r.body.toString(), SHELL);
      assert.equal(r.headers['content-security-policy'], PAGE_CSP);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
    }
    assert.equal((await fx.get('/favicon.ico')).status, 404);
  });

  it('serves the app’s files, hashed names cached for good, nothing outside assets/', async () => {
    const js = await fx.get('/assets/app-ABCD1234.js');
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    const css = await fx.get('/assets/plain.css');
    assert.equal(css.headers['cache-control'], 'no-cache');
    for (const p of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/assets/%252e%252e/secret.txt', '/assets/../../etc/passwd', '/assets/..\\secret.txt', '/a/%00/b']) {
      const r = await fx.get('', { rawPath: p });
      assert.equal(r.status, 400, p);
      assert.doesNotMatch(r.body.toString(), /outside assets|root:/, p);
    }
    for (const p of ['/assets/.hidden.js', '/assets/x.exe', '/assets/sub/a.js', '/assets/missing-ABCD1234.js']) {
      assert.equal((await fx.get(p)).status, 404, p);
    }
  });

  it('says to run npm run build when the app was not built', async () => {
    const bare = await startWebApp(SNAPS, false);
    try {
      const r = await bare.get('/stores/local/snapshots', { headers: { accept: 'text/html' } });
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /npm run build/);
      assert.equal(r.headers['content-security-policy'], PAGE_CSP);
    } finally {
      await bare.stop();
    }
  });

  it('reports an unexpected failure as one generic line and logs it without the query', async () => {
    const { cookie, csrf } = await fx.session();
    const r = await fx.get('/coffer.v1.StoreService/GetStoreInfo', { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{"store":"boom"}' });
    assert.equal(r.status, 500);
    assert.deepEqual(json(r.body), { code: 'internal', message: 'internal error (see the server log)' });
    assert.ok(fx.logged.some((l) => l.includes('disk on fire')));
    assert.ok(fx.logged.every((l) => !l.includes(fx.token)));
  });
});
