/**
 * Several paths in one backup (issue 11 §4): `backup /a/etc /b/www` makes one snapshot
 * laid out from `/`, so paths inside it are the original absolute paths; the folders
 * above the paths hold only what leads to them; the next backup of the same paths finds
 * its parent; a path inside another is backed up once; a remote location cannot be
 * mixed in; with --one-file-system each path is judged on its own file system. A
 * snapshot of one folder takes the original absolute path as well.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mountSmallFsFor } from '../helpers/small-fs.js';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, jsonLines, lines, num, runCoffer, text, tmpDir } from '../helpers/cli.js';
import { assertSameTree, sha256Tree } from '../helpers/tree.js';

describe('coffer backup of several paths', function () {
  let base: string;
  let etc: string;
  let www: string;
  let store: string;
  before(() => {
    base = tmpDir('coffer-paths-');
    etc = path.join(base, 'etc');
    www = path.join(base, 'var', 'www');
    fs.mkdirSync(path.join(etc, 'ssh'), { recursive: true });
    fs.writeFileSync(path.join(etc, 'ssh', 'sshd_config'), 'PermitRootLogin no\n');
    fs.writeFileSync(path.join(etc, 'hosts'), '127.0.0.1 localhost\n');
    fs.mkdirSync(path.join(www, 'site'), { recursive: true });
    fs.writeFileSync(path.join(www, 'site', 'index.html'), '<h1>hi</h1>\n');
    fs.writeFileSync(path.join(base, 'var', 'not-given.log'), 'outside the given paths\n');
    store = path.join(tmpDir('coffer-paths-store-'), 's');
    createStore(store);
  });
  after(cleanupTmpDirs);

  it('makes one snapshot with the original absolute paths, and restores them under the target', () => {
    const b = backupJson(store, etc, [www, path.join(etc, 'ssh')]);
    assert.equal(num(b.summary, 'files'), 3, describeRun(b.run));
    const ls = runCoffer(['at', store, 'ls', '--recursive', 'latest']);
    assertExit(ls, 0, 'ls');
    const paths = lines(ls.stdout).map((l) => l.slice(l.indexOf(' /') + 1));
    for (const p of [`${etc}/ssh/sshd_config`, `${etc}/hosts`, `${www}/site/index.html`, path.join(base, 'var')]) assert.ok(paths.includes(p), `${p} in\n${paths.join('\n')}`);
    assert.ok(!paths.some((p) => p.endsWith('not-given.log')), 'a folder above the paths holds only what leads to them');
    const cat = runCoffer(['at', store, 'cat', `latest:${etc}/ssh/sshd_config`]);
    assertExit(cat, 0, 'cat by the absolute path');
    assert.equal(cat.stdout, 'PermitRootLogin no\n');
    const out = tmpDir('coffer-paths-out-');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest']), 0, 'restore');
    assertSameTree(sha256Tree(etc), sha256Tree(path.join(out, etc)), { mtimeToleranceNs: 1_000_000n });
    assertSameTree(sha256Tree(www), sha256Tree(path.join(out, www)), { mtimeToleranceNs: 1_000_000n });
  });

  it('finds its parent the next time (the same paths in any order)', () => {
    const again = backupJson(store, www, [etc]);
    assert.ok(text(again.summary, 'parent').length > 0, 'a parent');
    assert.equal(num(again.summary, 'unchangedFiles'), 3, describeRun(again.run));
  });

  it('takes the original absolute path in a snapshot of one folder too', () => {
    const one = backupJson(store, etc);
    const cat = runCoffer(['at', store, 'cat', `${one.id}:${etc}/ssh/sshd_config`]);
    assertExit(cat, 0, 'cat by the absolute path in a one-folder snapshot');
    assert.equal(cat.stdout, 'PermitRootLogin no\n');
    assertExit(runCoffer(['at', store, 'cat', `${one.id}:/ssh/sshd_config`]), 0, 'and by the path below the folder, as before');
    const ls = runCoffer(['at', store, 'ls', `${one.id}:${etc}/ssh`]);
    assertExit(ls, 0, 'ls by the absolute path');
    assert.equal(lines(ls.stdout).length, 1);
    assert.match(ls.stdout, new RegExp(` ${etc}/ssh/sshd_config\n$`), 'ls shows the original absolute path');
    const json = runCoffer(['at', store, 'ls', '--json', '--recursive', one.id]);
    assert.ok(jsonLines(json).some((o) => o.path === `${etc}/ssh/sshd_config`), json.stdout);
    const found = runCoffer(['at', store, 'locate', '--snapshot', one.id, 'sshd_config']);
    assert.equal(found.stdout, `${one.id.slice(0, 8)}:${etc}/ssh/sshd_config\n`);
  });

  it('refuses a remote location among several paths, in one line', () => {
    const r = runCoffer(['at', store, 'backup', etc, 'sftp://user@127.0.0.1:1/x']);
    assertExit(r, 2, 'mixed remote');
    assertOneLineError(r);
    assert.match(r.stderr, /several paths in one backup must all be local folders/);
  });

  it('with --one-file-system enters each given path even when it is a mount of its own', function () {
    const mnt = path.join(base, 'mnt');
    const small = mountSmallFsFor(this, mnt, 1);
    try {
      fs.writeFileSync(path.join(mnt, 'on-tmpfs'), 'x');
      const b = backupJson(store, etc, [mnt, '--one-file-system']);
      const ls = runCoffer(['at', store, 'ls', '--recursive', b.id]);
      assert.ok(lines(ls.stdout).some((l) => l.endsWith(`${mnt}/on-tmpfs`)), ls.stdout);
    } finally {
      small.unmount();
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });
});
