/**
 * End to end: a sparse file comes back sparse. A 1 GiB file holding 4 KiB of data is
 * backed up and restored with the real `coffer` command; the restored file has the
 * same size and content and less than 1 MiB allocated (issue 8, "Sparse restore").
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertExit, backupJson, cleanupTmpDirs, createStore, runCoffer, tmpDir } from '../helpers/cli.js';
import { sha256File } from '../helpers/tree.js';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

describe('coffer restore of sparse files', function () {
  this.timeout(10 * 60_000);
  after(cleanupTmpDirs);

  it('restores a 1 GiB file with 4 KiB of data in under 1 MiB of allocation', () => {
    const top = tmpDir('coffer-e2e-sparse-');
    const src = path.join(top, 'src');
    const store = path.join(top, 'store');
    const out = path.join(top, 'out');
    fs.mkdirSync(src);
    const img = path.join(src, 'disk.img');
    const fd = fs.openSync(img, 'w');
    fs.writeSync(fd, randomBytes(4096), 0, 4096, 300 * MiB);
    fs.ftruncateSync(fd, GiB);
    fs.closeSync(fd);
    assert.ok(fs.statSync(img).blocks * 512 < MiB, 'the source is sparse');
    createStore(store);
    const { id } = backupJson(store, src);
    assertExit(runCoffer(['at', store, 'restore', '--to', out, id]), 0, 'restore');
    const st = fs.statSync(path.join(out, 'disk.img'));
    assert.equal(st.size, GiB);
    assert.ok(st.blocks * 512 < MiB, `restored with ${st.blocks * 512} bytes allocated`);
    assert.equal(sha256File(path.join(out, 'disk.img')), sha256File(img));
  });
});
