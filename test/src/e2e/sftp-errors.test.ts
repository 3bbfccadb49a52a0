/**
 * The CLI's errors over SFTP against real OpenSSH servers (issue 3, sections 4 and 7):
 * permission denied on a store, source or destination path (logged in as an
 * unprivileged user), a store that runs out of space mid-backup (a small tmpfs), a
 * server without the SFTP subsystem, and failed connections (refused, wrong key).
 * Each must end with one `coffer: …` line naming the thing and the fix, the documented
 * exit code, no stack trace, and a store that still checks clean.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, IN_CI, IS_ROOT, jsonSummary, num, runCoffer, snapshotIds, tmpDir } from '../helpers/cli.js';
import { freePort, haveSshd, makeSshHome, startSshd, type TestSshd } from '../helpers/sshd.js';
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js';
import { assertSameTree, sha256Tree, writeTree } from '../helpers/tree.js';

/** The unprivileged login of the permission tests (created by startSshd when missing). */
const TEST_USER = 'coffer-test';

/** Skips outside CI when the test cannot run here (no sshd, not root); in CI that is a failure. */
function requireSshd(ctx: Mocha.Context, needRoot: boolean): void {
  if (IN_CI) return;
  if (!haveSshd() || (needRoot && !IS_ROOT)) ctx.skip();
}

/** `s` as a regular expression that matches it literally. */
function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `sftp://user@127.0.0.1:port/abs/path` on `sshd`. */
function sftpUrl(sshd: TestSshd, abs: string, user = sshd.user): string {
  return `sftp://${user}@${sshd.host}:${sshd.port}${abs}`;
}

/** A folder on the server owned by root with mode 0755: the test user may read it, not write it. */
function rootOnlyDir(p: string): string {
  fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  fs.chmodSync(p, 0o755);
  fs.chownSync(p, 0, 0);
  return p;
}

/** A folder on the server that belongs to the SFTP user. */
function userDir(sshd: TestSshd, p: string): string {
  fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  fs.chownSync(p, sshd.uid, sshd.gid);
  return p;
}

describe('coffer over SFTP: errors', function () {
  describe('permission denied, logged in as an unprivileged user', function () {
    let sshd: TestSshd;
    let env: Record<string, string | undefined>;
    before(async function () {
      requireSshd(this, true);
      sshd = await startSshd({ user: TEST_USER });
      assert.notEqual(sshd.uid, 0, `${TEST_USER} must not be root`);
      env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
    });
    after(async () => {
      await sshd?.stop();
      cleanupTmpDirs();
    });

    it('logs in as the unprivileged user and works where that user may write', () => {
      const url = sftpUrl(sshd, path.join(userDir(sshd, path.join(sshd.dir, 'mine')), 'store'));
      createStore(url, [], { env });
      const st = fs.statSync(path.join(sshd.dir, 'mine', 'store', 'config'));
      assert.equal(st.uid, sshd.uid, 'the store was written by the SFTP user');
      assertExit(runCoffer(['at', url, 'check'], { env }), 0, 'check');
    });

    it('refuses to create a store in a folder the SFTP user may not write, naming the path', () => {
      const locked = rootOnlyDir(path.join(sshd.dir, 'locked-store'));
      const url = sftpUrl(sshd, locked);
      const r = runCoffer(['at', url, 'create'], { env });
      assertExit(r, 1, 'create in an existing folder the user may not write');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`${re(locked)}\\S*: permission denied on the SFTP server; check that the SFTP user may write there`));
      assert.deepEqual(fs.readdirSync(locked), [], 'nothing is left behind');
      const info = runCoffer(['at', url, 'info'], { env });
      assertExit(info, 10, 'no store there afterwards');
    });

    // TODO(agent/src/storage/sftp-backend.ts, SftpBackend.mkdirs): FAILS until fixed. When
    // MKDIR is refused and the STAT that follows finds nothing, mkdirs reports the STAT's
    // NO_SUCH_FILE ("no such file or directory", no fix named) instead of the MKDIR's
    // PERMISSION_DENIED. Needed: in mkdirs' catch, throw sftpError(err, `creating ${cur}`,
    // 'write') (the MKDIR error `err`, not the STAT error `e2`) when the STAT fails.
    it('refuses to create a store in a new folder under one the SFTP user may not write, naming the path', () => {
      const parent = rootOnlyDir(path.join(sshd.dir, 'locked-parent'));
      const url = sftpUrl(sshd, path.join(parent, 'store'));
      const r = runCoffer(['at', url, 'create'], { env });
      assertExit(r, 1, 'create under a folder the user may not write');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`${re(parent)}/store: permission denied on the SFTP server; check that the SFTP user may write there`));
      assert.deepEqual(fs.readdirSync(parent), [], 'nothing is left behind');
    });

    it('backs up from an sftp:// source with an unreadable file and folder: they are errors, the rest is saved, exit 3', () => {
      const remote = path.join(sshd.dir, 'remote-src');
      writeTree(remote, {
        'a.txt': 'readable\n',
        'secret.key': { type: 'file', content: 'only root may read this\n', mode: 0o600 },
        sub: { type: 'dir', children: { 'b.bin': Buffer.alloc(300_000, 7) } },
        private: { type: 'dir', children: { 'c.txt': 'hidden\n' } },
      });
      execFileSync('chown', ['-R', '0:0', remote]);
      fs.chmodSync(path.join(remote, 'private'), 0o700);
      const root = tmpDir();
      const store = path.join(root, 'store');
      createStore(store, [], { env });
      const r = runCoffer(['at', store, 'backup', '--json', sftpUrl(sshd, remote)], { env });
      assertExit(r, 3, 'backup with an unreadable file');
      const summary = jsonSummary(r);
      assert.equal(num(summary, 'errors'), 2, 'two errors: the unreadable file and folder');
      assert.equal(num(summary, 'files'), 2, 'the other files are saved');
      assert.match(r.stderr, new RegExp(`${re(remote)}/secret\\.key: permission denied on the SFTP server; check that the SFTP user may read there`));
      assert.match(r.stderr, new RegExp(`${re(remote)}/private: permission denied on the SFTP server; check that the SFTP user may read there`));
      assert.doesNotMatch(r.stderr, /^\s+at |\.js:\d+:\d+/m, 'no stack trace');
      const info = runCoffer(['at', store, 'info', '--errors', 'latest'], { env });
      assertExit(info, 0, 'info --errors');
      assert.match(info.stdout, /error: \/secret\.key: .*permission denied/);
      assert.match(info.stdout, /error: \/private: .*permission denied/);
      const out = path.join(root, 'out');
      assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest'], { env }), 0, 'restore');
      const expected = sha256Tree(remote);
      expected.delete('secret.key');
      expected.delete('private/c.txt'); // the folder is kept, empty: its listing is what failed
      // SFTP v3 carries whole seconds.
      assertSameTree(expected, sha256Tree(out), { mtimeToleranceNs: 1_000_000_000n });
      assertExit(runCoffer(['at', store, 'check'], { env }), 0, 'check');
    });

    it('refuses to restore --to an sftp:// folder the SFTP user may not write', () => {
      const root = tmpDir();
      const src = path.join(root, 'src');
      writeTree(src, { 'a.txt': 'alpha\n', d: { type: 'dir', children: { 'b.txt': 'beta\n' } } });
      const store = path.join(root, 'store');
      createStore(store, [], { env });
      backupJson(store, src, [], { env });
      const locked = rootOnlyDir(path.join(sshd.dir, 'locked-restore'));
      const r = runCoffer(['at', store, 'restore', '--to', sftpUrl(sshd, locked), 'latest'], { env });
      assertExit(r, 1, 'restore into a folder the user may not write');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`${re(locked)}/\\S+: permission denied on the SFTP server; check that the SFTP user may write there`));
      assert.deepEqual(fs.readdirSync(locked), [], 'nothing is left behind');
    });

    // TODO(agent/src/connectors/sftp-destination.ts, SftpDestination.prepare): FAILS until
    // fixed. prepare drops every MKDIR error that is not Retryable, so the STAT of the
    // still-missing folder reports "no such file or directory" (no fix named) instead of the
    // refused MKDIR. Needed: keep the first MKDIR error whose SFTP status is not 4 (OpenSSH
    // answers FAILURE for a folder that exists), and when the STAT then fails with NotFound,
    // throw that kept error (sftpError(err, `creating ${cur}`, 'write')) instead.
    it('refuses to restore --to a new sftp:// folder under one the SFTP user may not write', () => {
      const root = tmpDir();
      const src = path.join(root, 'src');
      writeTree(src, { 'a.txt': 'alpha\n' });
      const store = path.join(root, 'store');
      createStore(store, [], { env });
      backupJson(store, src, [], { env });
      const parent = rootOnlyDir(path.join(sshd.dir, 'locked-restore-parent'));
      const r = runCoffer(['at', store, 'restore', '--to', sftpUrl(sshd, path.join(parent, 'out')), 'latest'], { env });
      assertExit(r, 1, 'restore under a folder the user may not write');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`${re(parent)}/out: permission denied on the SFTP server; check that the SFTP user may write there`));
      assert.deepEqual(fs.readdirSync(parent), [], 'nothing is left behind');
    });
  });

  describe('no space left on the server', function () {
    let sshd: TestSshd;
    let small: SmallFs | undefined;
    let env: Record<string, string | undefined>;
    before(async function () {
      requireSshd(this, true);
      sshd = await startSshd();
      env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
      small = mountSmallFs(path.join(sshd.dir, 'small'), 8);
    });
    after(async () => {
      small?.unmount();
      await sshd?.stop();
      cleanupTmpDirs();
    });

    it('fails a backup that fills the disk with a no-space error; the store stays valid, and the backup works once there is room', () => {
      const fsSmall = small as SmallFs;
      const url = sftpUrl(sshd, path.join(fsSmall.dir, 'store'));
      createStore(url, [], { env });
      const root = tmpDir();
      const first = path.join(root, 'first');
      writeTree(first, { 'small.bin': randomBytes(200_000), 'note.txt': 'first\n' });
      const firstId = backupJson(url, first, [], { env }).id;
      const big = path.join(root, 'big');
      fs.mkdirSync(big);
      for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(big, `r${i}.bin`), randomBytes(2 * 1024 * 1024));
      assert.ok(fsSmall.freeBytes() < 12 * 1024 * 1024, 'the new data does not fit');
      const r = runCoffer(['at', url, 'backup', big], { env });
      assertExit(r, 1, 'backup onto a full disk');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`writing data/\\S+ in ${re(url)}: .*no space left or a quota exceeded.*; free space on the server and retry`));
      assert.deepEqual(fs.readdirSync(path.join(fsSmall.dir, 'store', 'tmp')), [], 'no temporary files are left in the store');
      assertExit(runCoffer(['at', url, 'check'], { env }), 0, 'check right after the failure');
      assert.deepEqual(snapshotIds(url, { env }), [firstId], 'the failed backup left no snapshot');
      const out = path.join(root, 'out');
      assertExit(runCoffer(['at', url, 'restore', '--to', out, firstId], { env }), 0, 'restore the earlier snapshot');
      assertSameTree(sha256Tree(first), sha256Tree(out));
      // The administrator makes room (a bigger quota): the same backup now goes through.
      fsSmall.resize(32);
      const again = backupJson(url, big, [], { env });
      assert.equal(num(again.summary, 'files'), 6);
      assertExit(runCoffer(['at', url, 'check'], { env }), 0, 'check after the retried backup');
    });
  });

  describe('a server without the SFTP subsystem', function () {
    let sshd: TestSshd;
    before(async function () {
      requireSshd(this, false);
      sshd = await startSshd({ sftpSubsystem: false });
    });
    after(async () => {
      await sshd?.stop();
      cleanupTmpDirs();
    });

    it("fails with exit 2 and tells to enable 'Subsystem sftp' in sshd_config", () => {
      const env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
      const url = sftpUrl(sshd, path.join(sshd.dir, 'store'));
      const r = runCoffer(['at', url, 'create'], { env });
      assertExit(r, 2, 'create without the SFTP subsystem');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`the SFTP subsystem is not available on 127\\.0\\.0\\.1:${sshd.port}.*enable 'Subsystem sftp' in sshd_config`));
      assert.ok(!fs.existsSync(path.join(sshd.dir, 'store')), 'nothing was created');
    });
  });

  describe('connections that fail', function () {
    let sshd: TestSshd;
    before(async function () {
      requireSshd(this, false);
      sshd = await startSshd();
    });
    after(async () => {
      await sshd?.stop();
      cleanupTmpDirs();
    });

    it('reports a key the server does not accept as permission denied (publickey), naming the user and the fix', () => {
      const home = makeSshHome(sshd, tmpDir(), { key: null });
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(home, '.ssh', 'id_ed25519'), '-C', 'not-authorized']);
      const url = sftpUrl(sshd, path.join(sshd.dir, 'store-wrong-key'));
      const r = runCoffer(['at', url, 'create'], { env: { HOME: home, SSH_AUTH_SOCK: undefined } });
      assertExit(r, 1, 'wrong key');
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`permission denied \\(publickey\\) for ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}: check the user, the identity file or ssh-agent, and the server's authorized_keys`));
      assert.ok(!fs.existsSync(path.join(sshd.dir, 'store-wrong-key')), 'nothing was created');
    });

    it('reports a user the server does not know as permission denied (publickey)', () => {
      const env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
      const r = runCoffer(['at', sftpUrl(sshd, path.join(sshd.dir, 'store-no-user'), 'no-such-user-coffer'), 'create'], { env });
      assertExit(r, 1, 'unknown user');
      assertOneLineError(r);
      assert.match(r.stderr, /permission denied \(publickey\) for no-such-user-coffer@127\.0\.0\.1/);
    });

    it('reports a refused connection, naming host and port and the fix', async function () {
      this.timeout(180_000);
      const port = await freePort(); // nothing listens there
      const env = { HOME: makeSshHome(sshd, tmpDir()), SSH_AUTH_SOCK: undefined };
      const started = Date.now();
      const r = runCoffer(['at', `sftp://${sshd.user}@127.0.0.1:${port}/srv/store`, 'create'], { env });
      assertExit(r, 1, 'connection refused');
      // On the command line a first connection is not retried with backoff (24 s in all before).
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      assertOneLineError(r);
      assert.match(r.stderr, new RegExp(`connection refused by 127\\.0\\.0\\.1:${port}: check that sshd runs there and the port is right`));
    });
  });
});
