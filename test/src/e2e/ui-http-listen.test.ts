/**
 * End-to-end tests of where and how `coffer at <store> ui` listens: a non-loopback
 * `--listen` without TLS refused (exit 2, one line naming the fixes, before the store is
 * opened), HTTPS with `--tls-cert/--tls-key` (a certificate from the project's CA code),
 * requests for a foreign Host refused on loopback, and SIGINT stopping the process within
 * 5 s with connections open and a download in flight, leaving no listener.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { createCa, issueServerCertificate } from '@coffer/shared/pki/index.js';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, pollUntil, runCoffer, spawnCoffer, tmpDir, type RunningCoffer } from '../helpers/cli.js';
import { request } from '../helpers/http-client.js';

const URL_LINE = /^(https?:\/\/\S+\/\?token=\S+)$/m;

/** Starts the viewer with `args`; its printed URL, or a failed assertion within 30 s. */
async function start(store: string, args: readonly string[]): Promise<{ proc: RunningCoffer; url: URL }> {
  const proc = spawnCoffer(['at', store, 'ui', '--no-browser', ...args]);
  const ok = await pollUntil(() => URL_LINE.test(proc.stdoutSoFar()) || proc.exited(), 300, 100);
  if (!ok || proc.exited()) {
    proc.child.kill('SIGKILL');
    assert.fail(`no URL line within 30 s\n${describeRun(await proc.done)}`);
  }
  return { proc, url: new URL(URL_LINE.exec(proc.stdoutSoFar())?.[1] ?? '') };
}

/** Sends `sig` (SIGINT: Ctrl-C); asserts exit 0 within 5 s. */
async function stop(proc: RunningCoffer, sig: NodeJS.Signals = 'SIGINT'): Promise<void> {
  proc.child.kill(sig);
  const stopped = await pollUntil(() => proc.exited(), 50, 100);
  if (!stopped) proc.child.kill('SIGKILL');
  const r = await proc.done;
  assert.ok(stopped, `still running 5 s after ${sig}\n${describeRun(r)}`);
  assertExit(r, 0, `ui after ${sig}`);
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('coffer at <store> ui: listening, TLS, stopping', function () {
  this.timeout(180_000);
  let store: string;
  let id: string;

  before(() => {
    const root = tmpDir('coffer-ui-listen-');
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 7));
    store = path.join(root, 'store');
    createStore(store);
    id = backupJson(store, src).id;
  });
  after(() => cleanupTmpDirs());

  it('refuses a non-loopback --listen without TLS or --insecure-http (exit 2, before opening the store)', () => {
    const r = runCoffer(['at', store, 'ui', '--no-browser', '--listen', '0.0.0.0:0'], { env: { COFFER_PASSPHRASE: undefined } });
    assertExit(r, 2);
    assertOneLineError(r);
    assert.match(r.stderr, /--tls-cert/);
    assert.match(r.stderr, /--insecure-http/);
    assert.equal(r.stdout, '');
    const half = runCoffer(['at', store, 'ui', '--no-browser', '--tls-cert', 'x.pem']);
    assertExit(half, 2);
    assert.match(half.stderr, /--tls-key/);
  });

  it('serves HTTPS with --tls-cert/--tls-key, on a non-loopback address too, with a Secure cookie', async () => {
    const dir = tmpDir('coffer-ui-tls-');
    const ca = await createCa('test CA');
    const leaf = await issueServerCertificate(ca, ['127.0.0.1', 'localhost']);
    fs.writeFileSync(path.join(dir, 'cert.pem'), leaf.certPem);
    fs.writeFileSync(path.join(dir, 'key.pem'), leaf.keyPem, { mode: 0o600 });
    const { proc, url } = await start(store, ['--listen', '0.0.0.0:0', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')]);
    try {
      assert.equal(url.protocol, 'https:');
      const agent = new https.Agent({ ca: ca.certPem });
      const get = (p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
        new Promise((resolve, reject) => {
          const req = https.get({ host: '127.0.0.1', port: url.port, path: p, agent, headers, servername: 'localhost' }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          });
          req.on('error', reject);
        });
      const r = await get(`/${url.search}`);
      assert.equal(r.status, 303);
      const set = r.headers['set-cookie']?.[0] ?? '';
      assert.match(set, /; Secure/);
      const s = await get('/session', { cookie: set.split(';')[0] as string });
      assert.equal(s.status, 200);
      const plain = await request(`http://127.0.0.1:${url.port}/session`).then(
        (a) => a.status,
        () => 0,
      );
      assert.notEqual(plain, 200, 'plain HTTP must not be answered on the TLS port');
    } finally {
      await stop(proc);
    }
  });

  it('refuses requests for another Host on loopback (DNS rebinding), and stops on SIGTERM', async () => {
    const { proc, url } = await start(store, []);
    try {
      const r = await request(`${url.origin}/session`, { headers: { host: `evil.example:${url.port}` } });
      assert.equal(r.status, 421);
      const ok = await request(`http://localhost:${url.port}/session`).catch(() => undefined);
      if (ok) assert.equal(ok.status, 401, 'localhost is a loopback name');
    } finally {
      await stop(proc, 'SIGTERM');
    }
  });

  it('stops within 5 s of SIGINT with a connection open and a download in flight, leaving no listener', async () => {
    const { proc, url } = await start(store, []);
    const port = Number(url.port);
    const idle = new http.Agent({ keepAlive: true });
    let download: http.IncomingMessage | undefined;
    try {
      const signIn = await request(url.href);
      const cookie = (signIn.headers['set-cookie']?.[0] ?? '').split(';')[0] as string;
      await new Promise<void>((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/session', agent: idle, headers: { cookie } }, (res) => res.resume().on('end', resolve)).on('error', reject));
      download = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: `/download/file?snapshot=${id}&path=big.bin`, headers: { cookie } }, resolve).on('error', reject);
      });
      download.pause();
      download.on('error', () => undefined);
      assert.equal(download.statusCode, 200);
    } finally {
      try {
        await stop(proc);
      } finally {
        idle.destroy();
        download?.destroy();
      }
    }
    assert.equal(await connects(port), false, 'something still listens on the port');
  });
});
