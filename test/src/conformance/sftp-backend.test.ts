/** The SFTP backend passes the storage conformance suite against every test SFTP server (helpers/sftp-servers.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { SshTarget } from '@coffer/agent/ssh/connect.js';
import { SftpBackend } from '@coffer/agent/storage/sftp-backend.js';
import { haveSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { SERVER_KINDS, serverTarget, sftpServerForSuite } from '../helpers/sftp-servers.js';
import { storageConformance } from './storage-conformance.js';

let sshd: TestSshd | undefined;
let n = 0;

function target(s: TestSshd, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    identities: [s.clientKey],
    knownHosts: [s.knownHosts],
    strictHostKeyChecking: 'yes',
    keepaliveIntervalMs: 15_000,
    connectTimeoutMs: 10_000,
    ...overrides,
  };
}

describe('SftpBackend against OpenSSH', function () {
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
  });
  after(async () => {
    await sshd?.stop();
  });

  it('refuses an unknown host key, naming its SHA256 fingerprint and the fix', async () => {
    const s = sshd as TestSshd;
    const empty = path.join(s.dir, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const b = new SftpBackend(target(s, { knownHosts: [empty] }), path.join(s.dir, 'x'), 'x');
    await assert.rejects(b.exists(), (e: unknown) => e instanceof CofferError && /not in known_hosts.*SHA256:.*insecure_ignore_host_key=true/.test(e.message));
    await b.close();
  });

  it('refuses a changed host key loudly', async () => {
    const s = sshd as TestSshd;
    const wrong = path.join(s.dir, 'wrong_known_hosts');
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC6UK0qBJwg0I4Ewc4uS9Y3Z1SzbhkcXWrqKn0mB0WGN';
    fs.writeFileSync(wrong, `[${s.host}]:${s.port} ${other}\n`);
    const b = new SftpBackend(target(s, { knownHosts: [wrong] }), path.join(s.dir, 'x'), 'x');
    await assert.rejects(b.exists(), (e: unknown) => e instanceof CofferError && /CHANGED/.test(e.message));
    await b.close();
  });

  it('connects to an unknown host when host key checking is off (insecure_ignore_host_key)', async () => {
    const s = sshd as TestSshd;
    const b = new SftpBackend(target(s, { knownHosts: [], strictHostKeyChecking: 'no' }), path.join(s.dir, 'none'), 'x');
    assert.equal(await b.exists(), false);
    await b.close();
  });

  it('reports a refused connection as one line naming host and port', async () => {
    const s = sshd as TestSshd;
    const b = new SftpBackend(target(s, { port: 1 }), '/tmp/x', 'x');
    await assert.rejects(b.exists(), (e: unknown) => e instanceof CofferError && e.code === ErrorCode.Retryable && /connection refused by 127\.0\.0\.1:1/.test(e.message));
    await b.close();
  });
});

for (const kind of SERVER_KINDS) {
  describe(`SftpBackend against ${kind}`, function () {
    this.timeout(120_000);
    const fx = sftpServerForSuite(kind);
    storageConformance(`SftpBackend on ${kind}`, () => {
      const s = fx.server;
      const f = s.folder(`store-${n++}`);
      return Promise.resolve({
        backend: new SftpBackend(serverTarget(s), `${f.remote}/store`, `sftp://${s.host}:${s.port}${f.remote}/store`),
        cleanup: () => fs.promises.rm(f.local, { recursive: true, force: true }),
      });
    });
  });
}

describe('SftpBackend against a server that accepts only passwords', function () {
  this.timeout(60_000);
  let pw: TestSshd | undefined;
  let keyed: TestSshd | undefined;
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    pw = await startSshd({ settings: ['PubkeyAuthentication no', 'PasswordAuthentication yes'] });
    keyed = await startSshd();
  });
  after(async () => {
    await pw?.stop();
    await keyed?.stop();
  });

  it('says the server offers no public-key authentication, not that the key was refused', async () => {
    const s = pw as TestSshd;
    const b = new SftpBackend(target(s), path.join(s.dir, 'x'), 'x');
    await assert.rejects(
      b.exists(),
      (e: unknown) => e instanceof CofferError && e.code === ErrorCode.Permission && /offers no public-key authentication \(it offers: password\)/.test(e.message),
    );
    await b.close();
  });

  it('still calls a key the server refuses a refused key', async () => {
    const s = keyed as TestSshd;
    const other = path.join(s.dir, 'other_key');
    fs.copyFileSync((pw as TestSshd).clientKey, other);
    fs.chmodSync(other, 0o600);
    const b = new SftpBackend(target(s, { identities: [other] }), path.join(s.dir, 'x'), 'x');
    await assert.rejects(b.exists(), (e: unknown) => e instanceof CofferError && /permission denied \(publickey\)/.test(e.message) && !/offers no public-key/.test(e.message));
    await b.close();
  });
});
