/**
 * The console's port and sessions against a real `coffer controller start` process:
 * plain HTTP on the --http port answers /metrics and /healthz and sends everything else
 * to https (308), the console is HTTPS with a certificate of the controller's CA; a user
 * made with `coffer ctl user add … --password-file` logs in (HttpOnly, Secure,
 * SameSite=Strict cookie) and out; POSTs without the session's CSRF token or from another
 * origin are refused (403); an idle session ends (401); wrong passwords are slowed down
 * (429 with Retry-After after three failures) and answered like unknown names; a viewer
 * is refused changes, contents, checks and restores by the API itself while it may list.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupTmpDirs, tmpDir } from '../helpers/cli.js';
import { Fleet } from '../helpers/fleet.js';
import { ConsoleClient } from './console-client.js';

const IDLE_S = 3;

function plainGet(port: number, target: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: target }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      })
      .on('error', reject);
  });
}

describe('the console: HTTPS port, logins and sessions', function () {
  this.timeout(300_000);
  let fleet: Fleet;
  let ca: string;
  let dir: string;
  const client = (): ConsoleClient => new ConsoleClient(fleet.consoleUrl, ca);

  async function addUser(name: string, role: string, password: string): Promise<void> {
    const f = path.join(dir, `${name}.pw`);
    fs.writeFileSync(f, `${password}\n`, { mode: 0o600 });
    await fleet.ctlOk(['user', 'add', name, '--role', role, '--password-file', f]);
  }

  before(async () => {
    dir = tmpDir('coffer-console-sessions-');
    fleet = await Fleet.start({}, ['--session-idle', `${IDLE_S}s`]);
    ca = fs.readFileSync(fleet.caFile, 'utf8');
    fs.mkdirSync(path.join(dir, 'store'));
    await fleet.ctlOk(['store', 'add', 'main', path.join(dir, 'store')], { COFFER_PASSPHRASE: 'not used by these tests' });
    await addUser('ada', 'admin', 'ada password 1');
    await addUser('vera', 'viewer', 'vera password 2');
    await addUser('tess', 'operator', 'tess password 3');
  });

  after(async () => {
    await fleet?.stop();
    cleanupTmpDirs();
  });

  it('answers /metrics and /healthz in plain HTTP and sends every other plain request to https', async () => {
    const metrics = await plainGet(fleet.httpPort, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^coffer_/m);
    assert.equal((await plainGet(fleet.httpPort, '/healthz')).status, 200);
    for (const target of ['/', '/jobs?kind=backup', '/login']) {
      const r = await plainGet(fleet.httpPort, target);
      assert.equal(r.status, 308, target);
      assert.equal(r.location, `https://127.0.0.1:${fleet.httpPort}${target}`);
    }
    // Over TLS, checked against the controller's CA: the console's page shell (or the
    // "not built" page) and health.
    const c = client();
    assert.equal((await c.request('GET', '/healthz')).status, 200);
    const page = await c.request('GET', '/login', { accept: 'text/html' });
    assert.ok([200, 503].includes(page.status), `GET /login: ${page.status}`);
    assert.equal((await c.request('GET', '/session')).status, 401);
  });

  it('logs in a user made with coffer ctl user add --password-file, and logs out', async () => {
    const users = await fleet.ctlJson<{ name: string; role: string }[]>(['user', 'list']);
    assert.deepEqual(users.map((u) => [u.name, u.role]), [['ada', 'ROLE_ADMIN'], ['tess', 'ROLE_OPERATOR'], ['vera', 'ROLE_VIEWER']]);
    const c = client();
    const login = await c.login('ada', 'ada password 1');
    assert.equal(login.status, 200, login.body.toString());
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^coffer_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure$/);
    const s = await c.request('GET', '/session');
    assert.deepEqual({ home: s.json?.home, user: s.json?.user, stores: s.json?.stores }, { home: 'console', user: { name: 'ada', role: 'admin' }, stores: ['main'] });
    assert.ok(c.csrf.length > 20);
    const who = await c.call('ControllerService', 'WhoAmI', {});
    assert.deepEqual({ status: who.status, name: who.json?.name, role: who.json?.role }, { status: 200, name: 'ada', role: 'ROLE_ADMIN' });
    assert.ok(Number(who.json?.lastLoginMs) > 0);
    const out = await c.logout();
    assert.equal(out.status, 204);
    assert.equal((await c.request('GET', '/session')).status, 401, 'the cookie no longer works');
    assert.equal((await c.call('ControllerService', 'WhoAmI', {})).status, 401);
    assert.doesNotMatch(fleet.controller.log(), /ada password 1/, 'no password in the log');
    assert.doesNotMatch(fleet.controller.log(), new RegExp(cookie.slice('coffer_session='.length, 'coffer_session='.length + 43)), 'no session id in the log');
  });

  it('refuses a POST without the CSRF token, with a wrong one, or from another origin (403)', async () => {
    const c = client();
    assert.equal((await c.login('ada', 'ada password 1')).status, 200);
    const body = { name: 'x', location: path.join(dir, 'x'), passphrase: 'p' };
    for (const [what, o] of [
      ['no token', { csrf: '' }],
      ['a wrong token', { csrf: 'A'.repeat(43) }],
      ['another origin', { origin: 'https://evil.example' }],
    ] as const) {
      const r = await c.call('ControllerService', 'AddStore', body, o);
      assert.equal(r.status, 403, `${what}: ${r.body.toString()}`);
    }
    const foreignLogin = await client().login('ada', 'ada password 1', { origin: 'https://evil.example' });
    assert.equal(foreignLogin.status, 403, 'a login posted by another site');
    const stores = await fleet.ctlJson<{ name: string }[]>(['store', 'list']);
    assert.deepEqual(stores.map((s) => s.name), ['main'], 'nothing was added');
    assert.equal((await c.call('ControllerService', 'ListStores', {})).status, 200, 'with the token and its own origin it works');
  });

  it('ends a session left idle longer than --session-idle (401)', async () => {
    const c = client();
    assert.equal((await c.login('ada', 'ada password 1')).status, 200);
    assert.equal((await c.call('ControllerService', 'ListAgents', {})).status, 200);
    await sleep((IDLE_S + 1) * 1000);
    const r = await c.call('ControllerService', 'ListAgents', {});
    assert.equal(r.status, 401);
    assert.equal(r.json?.code, 'unauthenticated');
    assert.equal((await c.request('GET', '/session')).status, 401);
  });

  it('refuses a viewer changes, file contents, checks and restores in the API, and lets it list', async () => {
    const c = client();
    assert.equal((await c.login('vera', 'vera password 2')).status, 200);
    const denied = async (service: 'ControllerService' | 'StoreService', method: string, body: unknown, stream = false): Promise<void> => {
      const r = stream ? await c.stream(service, method, body) : await c.call(service, method, body);
      assert.equal(r.status, 403, `${method}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json?.code, 'permission_denied');
    };
    await denied('ControllerService', 'AddStore', { name: 'y', location: path.join(dir, 'y'), passphrase: 'p' });
    await denied('ControllerService', 'RunJob', { spec: { verify: { store: 'main' } } });
    await denied('ControllerService', 'ListUsers', {});
    await denied('StoreService', 'ReadFile', { store: 'main', snapshot: 'abc', path: 'a' }, true);
    await denied('StoreService', 'ReadArchive', { store: 'main', snapshot: 'abc' }, true);
    await denied('StoreService', 'Check', { store: 'main' }, true);
    await denied('StoreService', 'Restore', { store: 'main', snapshot: 'abc', target: 'out' }, true);
    const dl = await c.request('GET', '/download/file?store=main&snapshot=abc&path=a');
    assert.equal(dl.status, 403);
    assert.equal((await c.call('ControllerService', 'ListStores', {})).status, 200);
    assert.equal((await c.call('ControllerService', 'GetDashboard', {})).status, 200);
    // ListTree passes the role check; with no agent connected it is UNAVAILABLE, naming the store.
    const tree = await c.call('StoreService', 'ListTree', { store: 'main', snapshot: 'abc' });
    assert.equal(tree.status, 503, JSON.stringify(tree.json));
    assert.match(String(tree.json?.message), /no connected agent can reach store main/);
    const jobs = await fleet.ctlJson<unknown[]>(['job', 'list']);
    assert.deepEqual(jobs, [], 'no job was made');
  });

  it('slows down repeated failed logins (429 with Retry-After), and answers an unknown name like a wrong password', async () => {
    const c = client();
    const wrong = await c.login('tess', 'not the password');
    const unknown = await c.login('nobody-here', 'tess password 3');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.json, unknown.json, 'the same answer for both');
    assert.equal((await c.login('tess', 'still not it')).status, 401);
    const locked = await c.login('tess', 'tess password 3');
    assert.equal(locked.status, 429, 'locked after three failures, even with the right password');
    const after = Number(locked.headers['retry-after']);
    assert.ok(after >= 1 && after <= 30, `Retry-After ${String(locked.headers['retry-after'])}`);
    await sleep(after * 1000 + 200);
    assert.equal((await c.login('tess', 'tess password 3')).status, 200, 'the right password works once the lock is over');
    assert.match(fleet.controller.log(), /"msg":"console login refused: too many failures"/);
  });
});
