/**
 * End-to-end tests of the local viewer's HTTP side, without a browser: a real
 * `coffer at <store> ui --no-browser` on a store made with the CLI, driven with node:http.
 * The printed URL signs in and the same port without it shows no snapshot; the cookie;
 * Connect calls refused without the CSRF token or from another origin; a file, a range and
 * folders as tar (extracted by system tar) and zip (extracted by python3's zipfile)
 * compared byte for byte with the source; previews that cannot run; traversal URLs and
 * unknown snapshots refused.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { backupJson, cleanupTmpDirs, createStore, hasTool, tmpDir } from '../helpers/cli.js';
import { request, type HttpAnswer } from '../helpers/http-client.js';
import { assertSameTree, sha256Tree, subManifest } from '../helpers/tree.js';
import { startViewer, type Viewer } from '../helpers/viewer.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const MARKUP = '<img src=x onerror=alert(1)>.html';

function json(r: HttpAnswer): Record<string, unknown> {
  return JSON.parse(r.body.toString()) as Record<string, unknown>;
}

describe('coffer at <store> ui: HTTP (no browser)', function () {
  this.timeout(180_000);
  let src: string;
  let id: string;
  let viewer: Viewer;
  let cookie: string;
  let csrf: string;
  const big = randomBytes(3 * 1024 * 1024 + 123);

  before(async () => {
    const root = tmpDir('coffer-ui-http-');
    src = path.join(root, 'src');
    fs.mkdirSync(path.join(src, 'docs', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(src, 'big.bin'), big);
    fs.writeFileSync(path.join(src, 'pic.dat'), PNG);
    fs.writeFileSync(path.join(src, MARKUP), '<script>alert(2)</script>\n');
    fs.writeFileSync(path.join(src, 'docs', 'readme.md'), '# docs\n');
    fs.writeFileSync(path.join(src, 'docs', 'deep', 'data.bin'), randomBytes(200_000));
    fs.writeFileSync(path.join(src, 'docs', 'deep', 'empty'), '');
    const store = path.join(root, 'store');
    createStore(store);
    id = backupJson(store, src).id;
    viewer = await startViewer(store);
  });

  after(async () => {
    await viewer?.stop();
    cleanupTmpDirs();
  });

  const get = (p: string, headers: Record<string, string> = {}, rawPath?: string): Promise<HttpAnswer> =>
    request(`${viewer.origin}${p}`, { headers: { cookie, ...headers }, ...(rawPath !== undefined ? { rawPath } : {}) });
  const call = (method: string, body: object, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    request(`${viewer.origin}/coffer.v1.StoreService/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('shows nothing of the store without the token: 401 and no snapshot', async () => {
    const s = await request(`${viewer.origin}/session`);
    assert.equal(s.status, 401);
    const list = await call('ListStoreSnapshots', {});
    assert.equal(list.status, 401);
    assert.ok(!list.body.toString().includes(id.slice(0, 8)));
    const tree = await request(`${viewer.origin}/download/file?snapshot=${id}&path=big.bin`);
    assert.equal(tree.status, 401);
    assert.ok(tree.body.length < 1000);
    const page = await request(`${viewer.origin}/stores/local/snapshots`);
    assert.equal(page.status, 200, 'the page shell is served (it says to open the printed URL)');
    assert.ok(!page.body.toString().includes(id.slice(0, 8)));
  });

  it('exchanges the printed URL’s token for an HttpOnly SameSite=Strict cookie', async () => {
    const r = await request(viewer.url);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    const set = r.headers['set-cookie']?.[0] ?? '';
    assert.match(set, /^coffer_ui_[0-9a-f]{12}=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    assert.doesNotMatch(set, /Secure/, 'plain HTTP on loopback: no Secure flag');
    cookie = set.split(';')[0] as string;
    const s = await get('/session');
    assert.equal(s.status, 200);
    const body = json(s);
    assert.equal(body.home, 'local');
    assert.deepEqual(body.user && (body.user as { role: string }).role, 'admin');
    csrf = String(body.csrfToken);
    const list = await call('ListStoreSnapshots', {}, { cookie, 'x-csrf-token': csrf, origin: viewer.origin });
    assert.equal(list.status, 200, list.body.toString());
    assert.equal((json(list).snapshots as { id: string }[])[0]?.id, id);
  });

  it('refuses a Connect call without X-CSRF-Token or from another origin (403)', async () => {
    const none = await call('ListStoreSnapshots', {}, { cookie });
    assert.equal(none.status, 403);
    assert.ok(!none.body.toString().includes(id.slice(0, 8)));
    const foreign = await call('ListStoreSnapshots', {}, { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(json(foreign).code, 'permission_denied');
  });

  it('lists a folder through ListTree', async () => {
    const r = await call('ListTree', { snapshot: id, path: 'docs' }, { cookie, 'x-csrf-token': csrf });
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual((json(r).entries as { name: string }[]).map((e) => e.name).sort(), ['deep', 'readme.md']);
  });

  it('downloads a file byte for byte, and single ranges of it (206; 416 past the end)', async () => {
    const r = await get(`/download/file?snapshot=${id}&path=big.bin`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.match(r.headers['content-disposition'] ?? '', /^attachment; .*filename\*=UTF-8''big\.bin$/);
    assert.ok(r.body.equals(big), 'the downloaded file differs from the source');
    const part = await get(`/download/file?snapshot=${id}&path=big.bin`, { range: 'bytes=1000000-1999999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000000-1999999/${big.length}`);
    assert.ok(part.body.equals(big.subarray(1000000, 2000000)));
    const past = await get(`/download/file?snapshot=${id}&path=big.bin`, { range: `bytes=${big.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${big.length}`);
  });

  const extracted = (name: string): string => {
    const d = tmpDir(`coffer-ui-${name}-`);
    return d;
  };

  it('downloads a folder as a tar that system tar extracts to the source', async () => {
    const r = await get(`/download/archive?snapshot=${id}&path=docs&format=tar`);
    assert.equal(r.status, 200, r.body.toString().slice(0, 300));
    assert.equal(r.headers['content-type'], 'application/x-tar');
    const dir = extracted('tar');
    fs.writeFileSync(path.join(dir, 'a.tar'), r.body);
    const out = path.join(dir, 'x');
    fs.mkdirSync(out);
    const t = spawnSync('tar', ['-xf', path.join(dir, 'a.tar'), '-C', out], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stderr);
    assertSameTree(subManifest(sha256Tree(src), 'docs'), subManifest(sha256Tree(out), 'docs'), { root: false, mode: false, mtime: false }, 'the tar');
  });

  it('downloads a folder as a zip that python3’s zipfile extracts to the source', async function () {
    if (!hasTool('python3')) this.skip();
    const r = await get(`/download/archive?snapshot=${id}&path=docs&format=zip`);
    assert.equal(r.status, 200, r.body.toString().slice(0, 300));
    assert.equal(r.headers['content-type'], 'application/zip');
    const dir = extracted('zip');
    fs.writeFileSync(path.join(dir, 'a.zip'), r.body);
    const out = path.join(dir, 'x');
    const py = spawnSync('python3', ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; z.extractall(sys.argv[2])', path.join(dir, 'a.zip'), out], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    assertSameTree(subManifest(sha256Tree(src), 'docs'), subManifest(sha256Tree(out), 'docs'), { root: false, mode: false, mtime: false }, 'the zip');
  });

  it('previews a markup file as plain text that cannot run, and an image by its bytes', async () => {
    const html = await get(`/preview/file?snapshot=${id}&path=${encodeURIComponent(MARKUP)}`);
    assert.equal(html.status, 200);
    assert.equal(html.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(html.headers['x-content-type-options'], 'nosniff');
    assert.equal(html.headers['content-security-policy'], "sandbox; default-src 'none'");
    assert.equal(html.body.toString(), '<script>alert(2)</script>\n');
    const img = await get(`/preview/file?snapshot=${id}&path=pic.dat`);
    assert.equal(img.headers['content-type'], 'image/png');
    assert.ok(img.body.equals(PNG));
  });

  it('refuses traversal URLs with 400 or 404 and never serves a file outside', async () => {
    const cases: [string, string | undefined][] = [
      [`/download/file?snapshot=${id}&path=../x`, undefined],
      [`/download/file?snapshot=${id}&path=%2e%2e/%2e%2e/etc/passwd`, undefined],
      [`/download/file?snapshot=${id}&path=%252e%252e%252f%252e%252e%252fetc%252fpasswd`, undefined],
      [`/preview/file?snapshot=${id}&path=docs/../../x`, undefined],
      ['', '/assets/../../etc/passwd'],
      ['', '/assets/%2e%2e/%2e%2e/etc/passwd'],
      ['', '/stores/local/snapshots/x/file/%2e%2e/%2e%2e/etc/passwd'],
    ];
    for (const [p, raw] of cases) {
      const r = await get(p, {}, raw);
      assert.ok(r.status === 400 || r.status === 404, `${raw ?? p}: ${r.status}`);
      assert.doesNotMatch(r.body.toString(), /root:/, raw ?? p);
    }
  });

  it('answers an unknown snapshot with 404 in one line', async () => {
    const r = await get('/download/file?snapshot=0123abcd&path=big.bin');
    assert.equal(r.status, 404);
    const lines = r.body.toString().trim().split('\n');
    assert.equal(lines.length, 1, r.body.toString());
    assert.doesNotMatch(r.body.toString(), /\bat .*\.js:\d+/);
    const c = await call('ListTree', { snapshot: 'fedc9876', path: '' }, { cookie, 'x-csrf-token': csrf });
    assert.equal(c.status, 404);
    assert.equal(json(c).code, 'not_found');
  });
});
