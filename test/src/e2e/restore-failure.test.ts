/**
 * A restore that fails part way (issue 11 §4; here the target's disk fills up) leaves no
 * temporary files and still gives the folders it made their modes and times: a folder
 * of mode 0500 is 0500 afterwards, not the restore's working 0700. Needs root to mount
 * a small tmpfs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, IN_CI, IS_ROOT, runCoffer, tmpDir } from '../helpers/cli.js';
import { temporaries } from '../helpers/damage.js';

describe('coffer restore that fails part way', function () {
  let mnt: string | undefined;
  after(() => {
    if (mnt) spawnSync('umount', [mnt]);
    cleanupTmpDirs();
  });

  it('leaves no temporaries and applies the modes and times of the folders it made', function () {
    const root = tmpDir('coffer-restore-fail-');
    const src = path.join(root, 'src');
    fs.mkdirSync(path.join(src, 'locked'), { recursive: true });
    fs.writeFileSync(path.join(src, 'locked', 'small'), 'x\n');
    fs.writeFileSync(path.join(src, 'locked', 'zbig'), randomBytes(3 * 1024 * 1024));
    fs.chmodSync(path.join(src, 'locked'), 0o500);
    const store = path.join(root, 'store');
    createStore(store);
    backupJson(store, src);
    mnt = path.join(root, 'disk');
    fs.mkdirSync(mnt);
    const m = IS_ROOT ? spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'coffer-restore-fail', mnt], { encoding: 'utf8' }) : undefined;
    if (!m || m.status !== 0) {
      mnt = undefined;
      if (IN_CI) assert.fail(`cannot mount a tmpfs for the test (root needed): ${m?.stderr ?? 'not root'}`);
      this.skip();
    }
    const out = path.join(mnt, 'out');
    const r = runCoffer(['at', store, 'restore', '--to', out, 'latest']);
    assert.equal(r.code, 1, describeRun(r));
    assertOneLineError(r);
    assert.match(r.stderr, /no space left/i);
    assert.deepEqual(temporaries(mnt), [], 'no temporary files');
    const want = fs.statSync(path.join(src, 'locked'), { bigint: true });
    const got = fs.statSync(path.join(out, 'locked'), { bigint: true });
    assert.equal(Number(got.mode & 0o7777n), 0o500, 'the folder has its mode');
    assert.equal(got.mtimeNs / 1000n, want.mtimeNs / 1000n, 'and its mtime');
  });
});
