/**
 * The CLI with a store on a real OpenSSH server (sftp://user@127.0.0.1:PORT/path),
 * using OpenSSH's defaults: ~/.ssh/id_ed25519 and ~/.ssh/known_hosts of a test HOME.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, runCoffer, tmpDir } from '../helpers/cli.js';
import { haveSshd, startSshd, type TestSshd } from '../helpers/sshd.js';
import { assertSameTree, sha256Tree, writeTree } from '../helpers/tree.js';

describe('coffer with a store on SFTP', function () {
  let sshd: TestSshd;
  let home: string;
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
    home = tmpDir('coffer-e2e-home-');
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.copyFileSync(sshd.clientKey, path.join(home, '.ssh', 'id_ed25519'));
    fs.chmodSync(path.join(home, '.ssh', 'id_ed25519'), 0o600);
    fs.copyFileSync(sshd.knownHosts, path.join(home, '.ssh', 'known_hosts'));
  });
  after(async () => {
    await sshd?.stop();
    cleanupTmpDirs();
  });

  it('creates, backs up, lists, checks and restores', () => {
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'alpha\n', sub: { type: 'dir', children: { 'b.bin': Buffer.alloc(2_000_000, 3) } } });
    const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${path.join(sshd.dir, 'store-cli')}`;
    const env = { HOME: home };
    createStore(url, [], { env });
    const first = backupJson(url, src, [], { env });
    assert.equal(first.summary.files, 2);
    const again = backupJson(url, src, [], { env });
    assert.equal(again.summary.unchangedFiles, 2);
    const ls = runCoffer(['at', url, 'ls'], { env });
    assertExit(ls, 0, 'ls');
    assert.equal(ls.stdout.trim().split('\n').length, 2);
    assertExit(runCoffer(['at', url, 'check'], { env }), 0, 'check');
    const out = path.join(root, 'out');
    assertExit(runCoffer(['at', url, 'restore', '--to', out, 'latest'], { env }), 0, 'restore');
    assertSameTree(sha256Tree(src), sha256Tree(out));
  });

  it('refuses a server whose host key is not in known_hosts, naming the fix', () => {
    const emptyHome = tmpDir('coffer-e2e-home-');
    fs.mkdirSync(path.join(emptyHome, '.ssh'));
    fs.copyFileSync(sshd.clientKey, path.join(emptyHome, '.ssh', 'id_ed25519'));
    const url = `sftp://${sshd.host}:${sshd.port}${path.join(sshd.dir, 'store-unknown')}`;
    const r = runCoffer(['at', url, 'create'], { env: { HOME: emptyHome } });
    assertExit(r, 1, 'unknown host key');
    assertOneLineError(r);
    assert.match(r.stderr, /host key verification failed.*SHA256:.*insecure_ignore_host_key=true/);
  });
});
