/**
 * Unit tests of downloads and previews (shared/src/web/downloads.ts) through the web app on
 * a real HTTP server over an in-memory StoreApi: whole files and single ranges (206, 416,
 * If-Range, HEAD), archives, previews typed by their bytes, the headers that keep backup
 * content inert, names in Content-Disposition, traversal and unknown things refused in one
 * line, the session and role needed, a client that does not read (bounded production) and
 * one that leaves (the StoreApi stream stops).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { CONTENT_CSP } from '@coffer/shared/web/security.js';
import { waitFor, type HttpAnswer } from '../helpers/http-client.js';
import { startWebApp, type WebFixture } from '../helpers/web-app-fixture.js';

const BIG = Buffer.alloc(700_000);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7) % 256;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const NASTY = 'a"; b=c\r\nSet-Cookie: x=1;é.txt';
const SNAPS = {
  s1: {
    'big.bin': BIG,
    'empty.txt': Buffer.alloc(0),
    docs: 'dir' as const,
    'docs/page.html': Buffer.from('<script>alert(1)</script>\n'),
    'docs/pic.txt': PNG,
    'docs/fake.png': Buffer.from('not an image at all\n'),
    'docs/draw.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    'docs/anim.gif': Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'),
    'docs/photo': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
    'docs/blob.bin': Buffer.from([0, 1, 2, 3, 0xff, 0xfe]),
    [NASTY]: Buffer.from('x'),
    'weird\\x80name.bin': Buffer.from('escaped name'),
    'huge.bin': { virtual: 1 << 30 },
  },
};

const q = (params: Record<string, string | string[]>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  return u.toString();
};

describe('web downloads and previews (shared/src/web/downloads.ts)', () => {
  let fx: WebFixture;
  let cookie: string;
  before(async () => {
    fx = await startWebApp(SNAPS);
    cookie = await fx.signIn();
  });
  after(async () => fx.stop());
  afterEach(() => {
    fx.deny = () => false;
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> => fx.get(path, { method, headers: { cookie, ...headers } });
  const file = (path: string, headers: Record<string, string> = {}, method = 'GET') => get(`/download/file?${q({ snapshot: 's1', path })}`, headers, method);
  const inert = (r: HttpAnswer, what: string): void => {
    assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
    assert.equal(r.headers['content-security-policy'], CONTENT_CSP, what);
  };

  it('sends a file whole as an attachment, byte for byte, with its length and ETag', async () => {
    const r = await file('big.bin');
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(BIG));
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(r.headers['content-length'], String(BIG.length));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['content-disposition'], `attachment; filename="big.bin"; filename*=UTF-8''big.bin`);
    assert.ok(r.headers.etag);
    inert(r, 'download');
    const e = await file('empty.txt');
    assert.equal(e.status, 200);
    assert.equal(e.body.length, 0);
  });

  it('answers a single range with 206 and Content-Range, and bad ranges with 416', async () => {
    const r = await file('big.bin', { range: 'bytes=300000-300099' });
    assert.equal(r.status, 206);
    assert.equal(r.headers['content-range'], `bytes 300000-300099/${BIG.length}`);
    assert.ok(r.body.equals(BIG.subarray(300000, 300100)));
    const tail = await file('big.bin', { range: 'bytes=-10' });
    assert.ok(tail.body.equals(BIG.subarray(BIG.length - 10)));
    const open = await file('big.bin', { range: 'bytes=699990-' });
    assert.equal(open.headers['content-range'], `bytes 699990-699999/${BIG.length}`);
    assert.equal(open.body.length, 10);
    const clamp = await file('big.bin', { range: 'bytes=699999-9999999' });
    assert.equal(clamp.body.length, 1);
    for (const range of [`bytes=${BIG.length}-`, 'bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-0', 'bytes=x-']) {
      const bad = await file('big.bin', { range });
      assert.equal(bad.status, 416, range);
      assert.equal(bad.headers['content-range'], `bytes */${BIG.length}`, range);
    }
    const etag = (await file('big.bin', {}, 'HEAD')).headers.etag ?? '';
    assert.equal((await file('big.bin', { range: 'bytes=0-9', 'if-range': etag })).status, 206);
    assert.equal((await file('big.bin', { range: 'bytes=0-9', 'if-range': '"other"' })).status, 200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await file('big.bin', {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], String(BIG.length));
    assert.equal(r.body.length, 0);
  });

  it('puts a name with quotes, semicolons and line breaks in Content-Disposition only escaped', async () => {
    const r = await file(NASTY);
    assert.equal(r.status, 200);
    const cd = r.headers['content-disposition'] ?? '';
    assert.equal(r.headers['set-cookie'], undefined);
    assert.match(cd, /^attachment; filename="[^";\r\n]*"; filename\*=UTF-8''[A-Za-z0-9%._~!#$&+^`|-]+$/);
    assert.ok(cd.endsWith(`filename*=UTF-8''a%22%3B%20b%3Dc%0D%0ASet-Cookie%3A%20x%3D1%3B%C3%A9.txt`), cd);
    const esc = await file('weird\\x80name.bin');
    assert.equal(esc.status, 200, 'a name shown with \\xHH escapes is downloadable');
    assert.equal(esc.body.toString(), 'escaped name');
  });

  it('sends a folder or a selection as an archive of the asked format', async () => {
    const tar = await get(`/download/archive?${q({ snapshot: 's1', path: ['docs/page.html', 'empty.txt'], format: 'tar' })}`);
    assert.equal(tar.status, 200);
    assert.equal(tar.headers['content-type'], 'application/x-tar');
    assert.equal(tar.body.toString(), 'tar:<script>alert(1)</script>\n');
    assert.match(tar.headers['content-disposition'] ?? '', /filename="snapshot-s1\.tar"/);
    inert(tar, 'tar');
    const zip = await get(`/download/archive?${q({ snapshot: 's1', path: 'docs', format: 'zip' })}`);
    assert.equal(zip.headers['content-type'], 'application/zip');
    assert.match(zip.headers['content-disposition'] ?? '', /filename="docs-s1\.zip"/);
    const bad = await get(`/download/archive?${q({ snapshot: 's1', format: 'rar' })}`);
    assert.equal(bad.status, 400);
  });

  it('types previews by their bytes: images as images, markup and SVG as plain text, binary as octet-stream', async () => {
    const cases: [string, string][] = [
      ['docs/page.html', 'text/plain; charset=utf-8'],
      ['docs/draw.svg', 'text/plain; charset=utf-8'],
      ['docs/pic.txt', 'image/png'],
      ['docs/fake.png', 'text/plain; charset=utf-8'],
      ['docs/anim.gif', 'image/gif'],
      ['docs/photo', 'image/jpeg'],
      ['docs/blob.bin', 'application/octet-stream'],
    ];
    for (const [path, type] of cases) {
      const r = await get(`/preview/file?${q({ snapshot: 's1', path })}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], type, path);
      assert.match(r.headers['content-disposition'] ?? '', /^inline; /, path);
      inert(r, path);
      assert.ok(r.body.equals(SNAPS.s1[path as keyof typeof SNAPS.s1] as Buffer), path);
    }
  });

  it('refuses traversal in the path, also encoded twice, with 400', async () => {
    for (const raw of ['path=../x', 'path=docs/%2e%2e/%2e%2e/x', 'path=%252e%252e%252fx', 'path=docs%2f..%2f..', 'path=a%00b', 'path=..%5cx']) {
      for (const route of ['/download/file', '/preview/file', '/download/archive']) {
        const r = await get(`${route}?snapshot=s1&${raw}`);
        assert.equal(r.status, 400, `${route}?${raw}`);
        assert.doesNotMatch(r.body.toString(), /\n.+/, 'one line');
      }
    }
  });

  it('answers unknown snapshots, paths and stores with 404 in one line, and folders with 400', async () => {
    const snap = await get(`/download/file?${q({ snapshot: 'nope', path: 'a' })}`, { accept: 'application/json' });
    assert.equal(snap.status, 404);
    assert.equal((JSON.parse(snap.body.toString()) as { code: string }).code, 'not_found');
    const path = await file('missing.txt');
    assert.equal(path.status, 404);
    assert.equal(path.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(path.body.toString().split('\n').length, 2, 'one line and its newline');
    assert.equal((await get(`/download/file?${q({ store: 'other', snapshot: 's1', path: 'big.bin' })}`)).status, 404);
    assert.equal((await get(`/download/archive?${q({ snapshot: 'nope' })}`)).status, 404);
    assert.equal((await file('docs')).status, 400);
    assert.equal((await get('/download/file?path=big.bin')).status, 400, 'no snapshot');
  });

  it('needs the session and passes the role hook', async () => {
    const r = await fx.get(`/download/file?${q({ snapshot: 's1', path: 'big.bin' })}`);
    assert.equal(r.status, 401);
    assert.ok(r.body.length < 1000 && !r.body.includes(BIG.subarray(0, 64)));
    fx.deny = (p) => p === '/download/file';
    assert.equal((await file('big.bin')).status, 403);
    assert.equal((await get(`/preview/file?${q({ snapshot: 's1', path: 'docs/page.html' })}`)).status, 200);
  });

  it('produces only what a client that does not read can take, and stops when it leaves', async () => {
    const before = fx.api.counters.aborted;
    fx.api.counters.produced = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(`${fx.base}/download/file?${q({ snapshot: 's1', path: 'huge.bin' })}`, { headers: { cookie } }, resolve);
      req.on('error', reject);
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    res.on('error', () => undefined);
    let last = -1;
    for (let i = 0; i < 100 && fx.api.counters.produced !== last; i++) {
      last = fx.api.counters.produced;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(fx.api.counters.produced, last, 'production never stalled');
    assert.ok(last < 64 * 1024 * 1024, `${last} bytes produced for a client that read nothing`);
    res.destroy();
    assert.ok(await waitFor(() => fx.api.counters.aborted > before, 200), 'the StoreApi stream did not stop within 20 s');
  });
});
