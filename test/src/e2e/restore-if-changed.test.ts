/**
 * `restore --overwrite if-changed` judges times at the precision the destination can
 * set (issue 11 §4): a file restored to local disk has its mtime to the microsecond
 * (Node's utimes), so a second restore of a file whose recorded mtime has nanoseconds
 * leaves it alone instead of rewriting it every time; a file that did change is
 * rewritten.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sameTime } from '@coffer/agent/engine/restorer.js';
import { assertExit, backupJson, cleanupTmpDirs, createStore, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';

describe('coffer restore --overwrite if-changed and time precision', function () {
  after(cleanupTmpDirs);

  it('compares times at a destination step', () => {
    assert.ok(sameTime('1600000000123456789', '1600000000123456000', 1000));
    assert.ok(!sameTime('1600000000123456789', '1600000000123457000', 1000));
    assert.ok(sameTime('1600000000999999999', '1600000000000000000', 1e9));
    assert.ok(!sameTime('1600000000000000001', '1600000000000000000', 1));
  });

  it('does not rewrite files whose times differ only below a microsecond, and rewrites a changed one', () => {
    const src = tmpDir('coffer-ifchanged-src-');
    for (const n of ['a.txt', 'b.txt']) {
      fs.writeFileSync(path.join(src, n), `content of ${n}\n`);
      // A time with nanoseconds, which utimes cannot set back exactly.
      assert.equal(spawnSync('touch', ['-d', '2021-03-04 05:06:07.123456789', path.join(src, n)]).status, 0, 'touch');
    }
    assert.equal(fs.statSync(path.join(src, 'a.txt'), { bigint: true }).mtimeNs % 1000n, 789n, 'the file system keeps nanoseconds');
    const store = path.join(tmpDir('coffer-ifchanged-store-'), 's');
    createStore(store);
    backupJson(store, src);
    const out = tmpDir('coffer-ifchanged-out-');
    assertExit(runCoffer(['at', store, 'restore', '--to', out, 'latest']), 0, 'first restore');
    const inode = (n: string): bigint => fs.statSync(path.join(out, n), { bigint: true }).ino;
    const before = { a: inode('a.txt'), b: inode('b.txt') };
    fs.writeFileSync(path.join(out, 'b.txt'), 'changed locally, longer than before\n');
    const again = runCoffer(['at', store, 'restore', '--to', out, '--overwrite', 'if-changed', 'latest']);
    assertExit(again, 0, 'second restore');
    assert.equal(inode('a.txt'), before.a, `a.txt was not rewritten\n${describeRun(again)}`);
    assert.notEqual(inode('b.txt'), before.b, 'b.txt, changed, was restored again');
    assert.equal(fs.readFileSync(path.join(out, 'b.txt'), 'utf8'), 'content of b.txt\n');
  });
});
