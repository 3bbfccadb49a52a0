/**
 * End to end: in a store shared by several machines, `latest` (ls, cat, restore), the
 * parent of a backup and forget's groups are per host and source: `--host`, `--source`
 * and `--tag` choose, and by default `latest` is this machine's (os.hostname()) newest
 * snapshot, never another server's even when that one is newer.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertExit, assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, jsonLines, runCoffer, text, tmpDir } from '../helpers/cli.js';
import { writeTree } from '../helpers/tree.js';

/** A store with snapshots of this host and of web9, the other host's last (newest). */
function sharedStore(): { root: string; store: string; src: string; other: string; mine: string; theirs: string } {
  const root = tmpDir();
  const store = path.join(root, 'store');
  const src = path.join(root, 'src');
  const other = path.join(root, 'other');
  createStore(store);
  writeTree(src, { 'who.txt': 'this machine\n' });
  writeTree(other, { 'who.txt': 'other source\n' });
  const mine = backupJson(store, src, ['--tag', 'daily']).id;
  backupJson(store, other);
  fs.writeFileSync(path.join(src, 'who.txt'), 'web9\n');
  const theirs = backupJson(store, src, ['--host', 'web9']).id;
  fs.writeFileSync(path.join(src, 'who.txt'), 'this machine\n');
  return { root, store, src, other, mine, theirs };
}

describe('snapshot selection per host and source', function () {
  after(cleanupTmpDirs);

  it('backup --host records the host; a parent is only ever of the same host and source', function () {
    const s = sharedStore();
    const ls = runCoffer(['at', s.store, 'ls', '--json']);
    const byId = new Map(jsonLines(ls).map((o) => [text(o, 'id'), o]));
    assert.equal(byId.get(s.theirs)?.host, 'web9', describeRun(ls));
    assert.equal(byId.get(s.mine)?.host, os.hostname());
    assert.equal(byId.get(s.theirs)?.parent, undefined, "web9's first backup has no parent (this host's is not its parent)");
    const again = backupJson(s.store, s.src);
    assert.equal(again.summary.parent, s.mine, "this host's next backup's parent is this host's last snapshot of the source, not web9's newer one");
    const web9 = backupJson(s.store, s.src, ['--host', 'web9']);
    assert.equal(web9.summary.parent, s.theirs);
    const bad = runCoffer(['at', s.store, 'backup', '--host', 'a b', s.src]);
    assertExit(bad, 2, '--host with a space');
    assertOneLineError(bad);
  });

  it("restore latest and cat latest pick this host's snapshot although web9's is newer; --host picks web9's", function () {
    const s = sharedStore();
    const out = path.join(s.root, 'out');
    const r = runCoffer(['at', s.store, 'restore', '--to', out, 'latest:/who.txt']);
    assertExit(r, 0, 'restore latest');
    assert.equal(fs.readFileSync(path.join(out, 'who.txt'), 'utf8'), 'other source\n', "latest of this host is the newest of this host's (the other source)");
    const cat = runCoffer(['at', s.store, 'cat', '--source', s.src, 'latest:/who.txt']);
    assertExit(cat, 0, 'cat --source');
    assert.equal(cat.stdout, 'this machine\n', describeRun(cat));
    const web9 = runCoffer(['at', s.store, 'cat', '--host', 'web9', 'latest:/who.txt']);
    assert.equal(web9.stdout, 'web9\n', describeRun(web9));
    const any = runCoffer(['at', s.store, 'cat', '--host', '*', 'latest:/who.txt']);
    assert.equal(any.stdout, 'web9\n', `--host '*': the newest of all\n${describeRun(any)}`);
    const tagged = runCoffer(['at', s.store, 'cat', '--tag', 'daily', 'latest:/who.txt']);
    assert.equal(tagged.stdout, 'this machine\n', describeRun(tagged));
    // An id names its snapshot whatever the host filter.
    const byId = runCoffer(['at', s.store, 'cat', `${s.theirs.slice(0, 12)}:/who.txt`]);
    assert.equal(byId.stdout, 'web9\n', describeRun(byId));
  });

  it('restore latest into a source folder in place restores that source (the default source is the restored path)', function () {
    const s = sharedStore();
    fs.writeFileSync(path.join(s.src, 'who.txt'), 'changed since\n');
    const r = runCoffer(['at', s.store, 'restore', '--overwrite', 'always', '--to', s.src, 'latest']);
    assertExit(r, 0, 'restore latest --to SRC');
    assert.equal(fs.readFileSync(path.join(s.src, 'who.txt'), 'utf8'), 'this machine\n', `the source's own latest, not the other source's newer snapshot\n${describeRun(r)}`);
  });

  it('no snapshot of this host: one line naming the hosts and sources there are and the flags', function () {
    const root = tmpDir();
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'a\n' });
    createStore(store);
    backupJson(store, src, ['--host', 'web9']);
    const r = runCoffer(['at', store, 'restore', '--to', path.join(root, 'out'), 'latest']);
    assertExit(r, 1, 'restore latest with only web9 snapshots');
    assertOneLineError(r);
    assert.match(r.stderr, new RegExp(`no snapshot of host ${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), describeRun(r));
    assert.match(r.stderr, /web9:/, describeRun(r));
    assert.match(r.stderr, /--host/, describeRun(r));
    assert.ok(!fs.existsSync(path.join(root, 'out')), 'nothing restored');
  });

  it("digest, diff, check, locate, sync and rm take this host's latest too", function () {
    const s = sharedStore();
    const d = runCoffer(['at', s.store, 'digest', '--source', s.src, 'latest:/who.txt']);
    assertExit(d, 0, 'digest');
    assert.match(d.stdout, /^[0-9a-f]{64} {2}who\.txt\n$/, describeRun(d));
    const web9 = runCoffer(['at', s.store, 'digest', '--host', 'web9', 'latest:/who.txt']);
    assert.notEqual(web9.stdout, d.stdout, "web9's file differs");
    const diff = runCoffer(['at', s.store, 'diff', '--source', s.src, `${s.theirs.slice(0, 12)}:/`, 'latest:/']);
    assertExit(diff, 0, 'diff');
    assert.match(diff.stdout, /who\.txt/, `this host's latest differs from web9's in who.txt\n${describeRun(diff)}`);
    const check = runCoffer(['at', s.store, 'check', '--json', '--host', 'web9', 'latest']);
    assertExit(check, 0, 'check --host web9 latest');
    const loc = jsonLines(runCoffer(['at', s.store, 'locate', '--json', '--host', 'web9', 'who.txt'])).map((o) => text(o, 'snapshot'));
    assert.deepEqual(loc, [s.theirs], 'locate --host web9 searches only web9 snapshots');
    const copy = path.join(s.root, 'copy');
    createStore(copy);
    assertExit(runCoffer(['at', s.store, 'sync', '--source', s.src, 'latest', 'to', copy]), 0, 'sync latest');
    const copied = jsonLines(runCoffer(['at', copy, 'ls', '--json']));
    assert.deepEqual(copied.map((o) => o.host), [os.hostname()], `sync latest copied this host's\n${JSON.stringify(copied)}`);
    const rm = runCoffer(['at', s.store, 'rm', '--apply', 'latest']);
    assertExit(rm, 0, 'rm --apply latest');
    const left = jsonLines(runCoffer(['at', s.store, 'ls', '--json'])).map((o) => text(o, 'id'));
    assert.ok(left.includes(s.theirs) && left.includes(s.mine) && left.length === 2, "rm latest removed this host's newest (the other source), not web9's");
  });

  it('ls filters by --host, --source and --tag; ls latest is per host', function () {
    const s = sharedStore();
    const ids = (args: string[]): string[] => jsonLines(runCoffer(['at', s.store, 'ls', '--json', ...args])).map((o) => text(o, 'id'));
    assert.equal(ids([]).length, 3);
    assert.deepEqual(ids(['--host', 'web9']), [s.theirs]);
    assert.equal(ids(['--host', os.hostname()]).length, 2);
    assert.deepEqual(ids(['--source', s.src, '--host', os.hostname()]), [s.mine]);
    assert.deepEqual(ids(['--tag', 'daily']), [s.mine]);
    const l = runCoffer(['at', s.store, 'ls', '--host', 'web9', 'latest']);
    assertExit(l, 0, 'ls --host web9 latest');
    assert.match(l.stdout, /who\.txt/, describeRun(l));
  });

  it("forget judges each host and source on its own: --keep-last 1 keeps web9's and this host's", function () {
    const s = sharedStore();
    const second = backupJson(s.store, s.src).id;
    const r = runCoffer(['at', s.store, 'forget', '--keep-last', '1', '--apply', '--json']);
    assertExit(r, 0, 'forget');
    const left = jsonLines(runCoffer(['at', s.store, 'ls', '--json'])).map((o) => text(o, 'id'));
    assert.ok(left.includes(s.theirs), "web9's only snapshot is kept");
    assert.ok(left.includes(second), "this host's newest of src is kept");
    assert.ok(!left.includes(s.mine), "this host's older snapshot of src is forgotten");
    assert.equal(left.length, 3, 'web9, src and other: one each');
    const only = runCoffer(['at', s.store, 'forget', '--host', 'web9', '--keep-last', '1', '--json']);
    const considered = jsonLines(only).filter((o) => o.type === 'decision').map((o) => text(o, 'id'));
    assert.deepEqual(considered, [s.theirs], `--host web9 considers only web9's\n${describeRun(only)}`);
  });
});
