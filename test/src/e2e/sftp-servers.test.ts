/**
 * The CLI against every test SFTP server (helpers/sftp-servers.ts): a store on the
 * server (create, then the store is there: rclone acknowledged a hardlink it never made),
 * backup from sftp://server/... and restore to sftp://server/..., compared for what the
 * server keeps; warnings instead of failures for what a server cannot keep; a refused
 * symlink is one file not restored (exit 3), not the end of the restore.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, runCoffer, tmpDir, type EnvPatch } from '../helpers/cli.js';
import { makeSshHome } from '../helpers/sshd.js';
import { SERVER_KINDS, sftpServerForSuite, type TestSftpServer } from '../helpers/sftp-servers.js';
import { diffTrees, sha256Tree, writeTree, type TreeSpec } from '../helpers/tree.js';

const T = 1_600_000_000;

function spec(s: TestSftpServer): TreeSpec {
  return {
    'a.txt': { type: 'file', content: 'alpha\n', mode: 0o640, mtime: T },
    'with space é.bin': { type: 'file', content: randomBytes(6_000_000), mode: 0o600, mtime: T + 1 },
    empty: { type: 'file', content: '', mode: 0o644, mtime: T + 2 },
    sub: { type: 'dir', mode: 0o755, mtime: T + 3, children: { 'b.txt': { type: 'file', content: 'beta\n', mode: 0o644, mtime: T + 4 } } },
    ...(s.keeps.symlinks ? { link: { type: 'symlink', target: 'sub/b.txt' } } : {}),
  };
}

function chownAll(dir: string, owner: { uid: number; gid: number } | undefined): void {
  if (!owner) return;
  fs.lchownSync(dir, owner.uid, owner.gid);
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.lstatSync(p).isDirectory()) chownAll(p, owner);
    else fs.lchownSync(p, owner.uid, owner.gid);
  }
}

for (const kind of SERVER_KINDS) {
  describe(`coffer against ${kind}`, function () {
    this.timeout(180_000);
    const fx = sftpServerForSuite(kind);
    let env: EnvPatch;
    let n = 0;
    const url = (s: TestSftpServer, remote: string): string => `sftp://${s.user}@${s.host}:${s.port}${remote}`;
    before(() => {
      env = { HOME: makeSshHome(fx.server, tmpDir()), SSH_AUTH_SOCK: undefined };
    });
    after(() => cleanupTmpDirs());

    it('creates a store on the server that is there afterwards, backs up to it and restores from it', () => {
      const s = fx.server;
      const f = s.folder(`cli-store-${n++}`);
      const store = url(s, `${f.remote}/store`);
      createStore(store, [], { env });
      const ls = runCoffer(['at', store, 'ls'], { env });
      assertExit(ls, 0, 'ls right after create');
      const root = tmpDir();
      writeTree(path.join(root, 'src'), spec(s));
      const b = backupJson(store, path.join(root, 'src'), [], { env });
      // Each thing the server cannot do is said once, however many files meet it.
      for (const w of [/lacks fsync@openssh\.com/, /refuses writes that arrive out of order/]) {
        assert.ok(b.run.stderr.split('\n').filter((l) => w.test(l)).length <= 1, b.run.stderr);
      }
      if (kind === 'rclone') assert.match(b.run.stderr, /lacks fsync@openssh\.com/);
      assertExit(runCoffer(['at', store, 'check'], { env }), 0, 'check');
      assertExit(runCoffer(['at', store, 'restore', '--to', path.join(root, 'out'), 'latest'], { env }), 0, 'restore');
      assert.deepEqual(diffTrees(sha256Tree(path.join(root, 'src')), sha256Tree(path.join(root, 'out')), { root: false, symlinkMtime: false }), []);
    });

    it('backs up from the server and restores to it, with one warning for what it cannot keep', () => {
      const s = fx.server;
      const src = s.folder(`cli-src-${n++}`);
      writeTree(src.local, spec(s));
      chownAll(src.local, src.owner);
      const expected = sha256Tree(src.local);
      const store = path.join(tmpDir(), 'store');
      createStore(store, [], { env });
      const b = runCoffer(['at', store, 'backup', url(s, src.remote)], { env });
      assertExit(b, 0, 'backup from the server');
      if (!s.keeps.symlinks) assert.match(b.stderr, /shows no symlinks and fixed modes/);
      const out = s.folder(`cli-out-${n++}`);
      const started = Date.now();
      const r = runCoffer(['at', store, 'restore', '--to', url(s, `${out.remote}/tree`), 'latest'], { env });
      if (!s.keeps.outOfOrderWrites) {
        // The restore writes a file's chunks in pack order; rclone without its write cache refuses that:
        // refused at once (nothing written), one line naming the fix, and the process exits.
        assertExit(r, 2, 'restore to rclone without --vfs-cache-mode writes');
        assertOneLineError(r);
        assert.match(r.stderr, /refused a write that is not at the end of the file \(Illegal seek\); on rclone serve sftp add --vfs-cache-mode writes/);
        assert.ok(Date.now() - started < 30_000, 'the process exits after the error');
        assert.deepEqual(fs.readdirSync(path.join(out.local, 'tree')), []);
        return;
      }
      assertExit(r, 0, `restore to the server: ${r.stderr}`);
      const problems = diffTrees(expected, sha256Tree(path.join(out.local, 'tree')), {
        root: false,
        mode: s.keeps.modes,
        mtimeToleranceNs: 1_000_000_000n,
        symlinkMtime: false,
        hardlinks: false,
      }).filter((l) => s.keeps.dirMtimes || !/^\/sub: mtime /.test(l));
      assert.deepEqual(problems, []);
    });

    it('restores to a server without symlinks or modes with one warning for each, not a failure', function () {
      const s = fx.server;
      if (s.keeps.symlinks || !s.keeps.outOfOrderWrites) this.skip();
      const root = tmpDir();
      writeTree(path.join(root, 'src'), { 'a.txt': { type: 'file', content: 'a\n', mode: 0o600 }, 'b.txt': { type: 'file', content: 'b\n', mode: 0o640 }, link: { type: 'symlink', target: 'a.txt' } });
      const store = path.join(root, 'store');
      createStore(store, [], { env });
      backupJson(store, path.join(root, 'src'), [], { env });
      const out = s.folder(`cli-nolinks-${n++}`);
      const r = runCoffer(['at', store, 'restore', '--to', url(s, out.remote), 'latest'], { env });
      assertExit(r, 0, 'restore to a server without symlinks');
      const count = (re: RegExp): number => r.stderr.split('\n').filter((l) => re.test(l)).length;
      assert.equal(count(/^warning: .*makes no symlinks/), 1, r.stderr);
      assert.equal(count(/^warning: .*does not keep file modes/), 1, r.stderr);
      assert.deepEqual(fs.readdirSync(out.local).sort(), ['a.txt', 'b.txt']);
    });

    it('counts a symlink the server refuses as not restored and restores the rest (exit 3)', function () {
      const s = fx.server;
      if (!s.keeps.symlinks) this.skip();
      const root = tmpDir();
      writeTree(path.join(root, 'src'), { 'a.txt': 'a\n', link: { type: 'symlink', target: 'a.txt' }, 'z.txt': 'z\n' });
      const store = path.join(root, 'store');
      createStore(store, [], { env });
      backupJson(store, path.join(root, 'src'), [], { env });
      const out = s.folder(`cli-refuse-${n++}`);
      // A folder that is not empty where the link goes: the server cannot rename the link over it.
      writeTree(out.local, { link: { type: 'dir', children: { 'keep.txt': 'keep\n' } } });
      chownAll(out.local, out.owner);
      const r = runCoffer(['at', store, 'restore', '--overwrite', 'always', '--to', url(s, out.remote), 'latest'], { env });
      assertExit(r, 3, 'restore with one refused symlink');
      assert.match(r.stderr, /not restored \/?link/);
      assert.equal(fs.readFileSync(path.join(out.local, 'z.txt'), 'utf8'), 'z\n');
      assert.equal(fs.readFileSync(path.join(out.local, 'a.txt'), 'utf8'), 'a\n');
    });
  });
}
