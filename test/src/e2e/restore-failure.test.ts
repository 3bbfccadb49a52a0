/**
 * A restore that fails part way (issue 11 §4; here the target's disk fills up) leaves no
 * temporary files and still gives the folders it made their modes and times: a folder
 * of mode 0500 is 0500 afterwards, not the restore's working 0700. Needs root to mount
 * a small tmpfs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mountSmallFsFor, type SmallFs } from '../helpers/small-fs.js';
import { assertOneLineError, backupJson, cleanupTmpDirs, createStore, describeRun, runCoffer, tmpDir } from '../helpers/cli.js';
import { temporaries } from '../helpers/damage.js';

describe('coffer restore that fails part way', function () {
  let small: SmallFs | undefined;
  after(() => {
    small?.unmount();
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
    small = mountSmallFsFor(this, path.join(root, 'disk'), 1);
    const mnt = small.dir;
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
