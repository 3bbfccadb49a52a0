/**
 * The CLI with a store on a real OpenSSH server (sftp://user@127.0.0.1:PORT/path),
 * using OpenSSH's defaults: ~/.ssh/id_ed25519 and ~/.ssh/known_hosts of a test HOME.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, pollUntil, runCoffer, tmpDir } from '../helpers/cli.js';
import { haveSshd, makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { assertSameTree, sha256Tree, writeTree } from '../helpers/tree.js';

describe('coffer with a store on SFTP', function () {
  let sshd: TestSshd;
  let home: string;
  before(async function () {
    if (!haveSshd() && process.env.CI !== 'true') this.skip();
    sshd = await startSshd();
    home = makeSshHome(sshd, tmpDir());
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
    const env = { HOME: home, SSH_AUTH_SOCK: undefined };
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

  it("resolves a Host alias from ~/.ssh/config, as in the seed's local-sftp example", () => {
    const aliasHome = makeSshHome(sshd, tmpDir(), {
      key: 'id_ed25519_coffer',
      config: `Host local-sftp\n    HostName ${sshd.host}\n    Port ${sshd.port}\n    User ${sshd.user}\n    IdentityFile ~/.ssh/id_ed25519_coffer\n`,
    });
    const url = `sftp://local-sftp${path.join(sshd.dir, 'store-alias')}`;
    const env = { HOME: aliasHome, SSH_AUTH_SOCK: undefined };
    createStore(url, [], { env });
    const root = tmpDir();
    writeTree(path.join(root, 'src'), { 'x.txt': 'x\n' });
    backupJson(url, path.join(root, 'src'), [], { env });
    assertExit(runCoffer(['at', url, 'check'], { env }), 0, 'check through the alias');
  });

  it('authenticates with a key held by a real ssh-agent (no key file in HOME)', async () => {
    const agentHome = makeSshHome(sshd, tmpDir(), { key: null });
    const sock = path.join(agentHome, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      assert.ok(await pollUntil(() => fs.existsSync(sock), 400, 25), 'ssh-agent started');
      execFileSync('ssh-add', [sshd.clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${path.join(sshd.dir, 'store-agent')}`;
      const env = { HOME: agentHome, SSH_AUTH_SOCK: sock };
      createStore(url, [], { env });
      assertExit(runCoffer(['at', url, 'info'], { env }), 0, 'info with the agent');
      const noAgent = runCoffer(['at', url, 'info'], { env: { HOME: agentHome, SSH_AUTH_SOCK: undefined } });
      assertExit(noAgent, 1, 'no agent and no key');
      assertOneLineError(noAgent);
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('reaches the server through a ProxyJump host', () => {
    const jumpHome = makeSshHome(sshd, tmpDir(), {
      config: `Host behind\n    HostName ${sshd.host}\n    Port ${sshd.port}\n    ProxyJump ${sshd.user}@${sshd.host}:${sshd.port}\n`,
    });
    const url = `sftp://behind${path.join(sshd.dir, 'store-jump')}`;
    const env = { HOME: jumpHome, SSH_AUTH_SOCK: undefined };
    createStore(url, [], { env });
    assertExit(runCoffer(['at', url, 'info'], { env }), 0, 'info through the jump host');
  });

  it('backs up from an sftp:// source with metadata, and a second backup reads nothing again', () => {
    const root = tmpDir();
    const remote = path.join(sshd.dir, 'remote-src');
    writeTree(remote, {
      'doc.txt': 'remote document\n',
      'big.bin': Buffer.alloc(3_500_000, 9),
      sub: { type: 'dir', children: { 'x.sh': { type: 'file', content: '#!/bin/sh\n', mode: 0o755 } } },
      'link': { type: 'symlink', target: 'doc.txt' },
    });
    fs.utimesSync(path.join(remote, 'doc.txt'), 1_600_000_000, 1_600_000_000);
    const store = path.join(root, 'store');
    const env = { HOME: home, SSH_AUTH_SOCK: undefined };
    createStore(store, [], { env });
    const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${remote}`;
    const first = backupJson(store, url, [], { env });
    assert.equal(first.summary.files, 3);
    assert.equal(first.summary.symlinks, 1);
    const second = backupJson(store, url, [], { env });
    assert.equal(second.summary.unchangedFiles, 3, 'unchanged remote files are not read again');
    assert.equal(second.summary.newBytes, 0);
    const out = path.join(root, 'out');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest'], { env }), 0, 'restore');
    assert.equal(fs.readFileSync(path.join(out, 'doc.txt'), 'utf8'), 'remote document\n');
    assert.ok(fs.readFileSync(path.join(out, 'big.bin')).equals(Buffer.alloc(3_500_000, 9)));
    assert.equal(fs.statSync(path.join(out, 'sub', 'x.sh')).mode & 0o777, 0o755);
    assert.equal(fs.readlinkSync(path.join(out, 'link')), 'doc.txt');
    assert.equal(fs.statSync(path.join(out, 'doc.txt')).mtimeMs, 1_600_000_000_000);
    const ls = runCoffer(['at', store, 'ls', '--json', 'latest:/doc.txt'], { env });
    assert.match(ls.stdout, /"user":"root"|"user":"[a-z_][a-z0-9_-]*"/);
  });

  it('restores to an sftp:// destination with modes, mtimes and symlinks, and never overwrites by default', () => {
    const root = tmpDir();
    const src = path.join(root, 'src');
    writeTree(src, {
      'a.txt': 'alpha\n',
      'big.bin': Buffer.alloc(1_200_000, 5),
      d: { type: 'dir', children: { 'run.sh': { type: 'file', content: '#!/bin/sh\n', mode: 0o750 } } },
      'ln': { type: 'symlink', target: 'a.txt' },
    });
    fs.utimesSync(path.join(src, 'a.txt'), 1_500_000_000, 1_500_000_000);
    const store = path.join(root, 'store');
    const env = { HOME: home, SSH_AUTH_SOCK: undefined };
    createStore(store, [], { env });
    backupJson(store, src, [], { env });
    const remote = path.join(sshd.dir, 'restore-preview');
    const url = `sftp://${sshd.user}@${sshd.host}:${sshd.port}${remote}`;
    assertExit(runCoffer(['at', store, 'restore', '--to', url, 'latest'], { env }), 0, 'restore to sftp');
    assert.equal(fs.readFileSync(path.join(remote, 'a.txt'), 'utf8'), 'alpha\n');
    assert.ok(fs.readFileSync(path.join(remote, 'big.bin')).equals(Buffer.alloc(1_200_000, 5)));
    assert.equal(fs.statSync(path.join(remote, 'd', 'run.sh')).mode & 0o777, 0o750);
    assert.equal(fs.statSync(path.join(remote, 'a.txt')).mtimeMs, 1_500_000_000_000);
    assert.equal(fs.readlinkSync(path.join(remote, 'ln')), 'a.txt');
    assert.deepEqual(fs.readdirSync(remote).filter((n) => n.includes('.coffer-')), [], 'no temporary files left');
    fs.writeFileSync(path.join(remote, 'a.txt'), 'changed on the server\n');
    const again = runCoffer(['at', store, 'restore', '--to', url, 'latest'], { env });
    assertExit(again, 0, 'second restore');
    assert.equal(fs.readFileSync(path.join(remote, 'a.txt'), 'utf8'), 'changed on the server\n', 'never overwrites by default');
    assertExit(runCoffer(['at', store, 'restore', '--overwrite', 'always', '--to', url, 'latest'], { env }), 0, 'overwrite always');
    assert.equal(fs.readFileSync(path.join(remote, 'a.txt'), 'utf8'), 'alpha\n');
  });

  it("follows the seed: a named remote on a Host alias, used as store, source and destination", () => {
    const h = makeSshHome(sshd, tmpDir(), {
      key: 'id_ed25519_plakar',
      knownHosts: false,
      config: `Host local-sftp\n    HostName ${sshd.host}\n    Port ${sshd.port}\n    User ${sshd.user}\n    IdentityFile ~/.ssh/id_ed25519_plakar\n`,
    });
    const xdg = tmpDir('coffer-e2e-xdg-');
    const env = { HOME: h, SSH_AUTH_SOCK: undefined, XDG_CONFIG_HOME: xdg };
    const uploads = path.join(sshd.dir, 'uploads');
    const documents = path.join(sshd.dir, 'Documents');
    writeTree(documents, { 'report.txt': 'quarterly\n' });
    for (const args of [
      ['config', 'remote', 'create', 'mysftp'],
      ['config', 'remote', 'set', 'mysftp', 'location', `sftp://local-sftp${uploads}`],
      ['config', 'remote', 'set', 'mysftp', 'insecure_ignore_host_key', 'true'],
      ['source', 'add', 'docs', `sftp://local-sftp${documents}`, 'insecure_ignore_host_key=true'],
      ['destination', 'add', 'preview', `sftp://local-sftp${path.join(sshd.dir, 'restore-preview-named')}`, 'insecure_ignore_host_key=true'],
    ]) {
      assertExit(runCoffer(args, { env }), 0, args.join(' '));
    }
    assert.equal(fs.statSync(path.join(xdg, 'coffer', 'config.json')).mode & 0o777, 0o600);
    assertExit(runCoffer(['at', '@mysftp', 'create'], { env }), 0, 'create on @mysftp');
    assertExit(runCoffer(['at', '@mysftp', 'backup', '@docs'], { env }), 0, 'backup @docs');
    assertExit(runCoffer(['at', '@mysftp', 'restore', '--to', '@preview', 'latest'], { env }), 0, 'restore --to @preview');
    assert.equal(fs.readFileSync(path.join(sshd.dir, 'restore-preview-named', 'report.txt'), 'utf8'), 'quarterly\n');
    const ping = runCoffer(['store', 'ping', 'mysftp'], { env });
    assertExit(ping, 0, 'store ping');
    assert.match(ping.stdout, /a store at/);
  });

  it('refuses a server whose host key is not in known_hosts, naming the fix', () => {
    const emptyHome = makeSshHome(sshd, tmpDir(), { knownHosts: false });
    const url = `sftp://${sshd.host}:${sshd.port}${path.join(sshd.dir, 'store-unknown')}`;
    const r = runCoffer(['at', url, 'create'], { env: { HOME: emptyHome, SSH_AUTH_SOCK: undefined } });
    assertExit(r, 1, 'unknown host key');
    assertOneLineError(r);
    assert.match(r.stderr, /host key verification failed.*SHA256:.*insecure_ignore_host_key=true/);
  });
});
