/**
 * The local destination keeps a bounded number of directory handles open (an LRU of
 * idle ones; connectors/fs-dir-handles.ts), re-opens evicted ones transparently, and
 * closes every one at close().
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { putFile } from '../helpers/fs-dest.js';

const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

describe('local destination, directory handles', () => {
  let top: string;
  before(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-handles-'));
  });
  after(() => fs.rmSync(top, { recursive: true, force: true }));

  it('holds at most maxOpenDirs idle handles over a tree of 600 directories, and none after close', async () => {
    const dest = new FsDestination(path.join(top, 'target'), { maxOpenDirs: 8 });
    const base = openFds();
    await dest.prepare();
    let most = 0;
    for (let i = 0; i < 200; i++) {
      await dest.makeDir(`a${i}`);
      await dest.makeDir(`a${i}/b`);
      await dest.makeDir(`a${i}/b/c`);
      await putFile(dest, `a${i}/b/c/f`, `file ${i}`);
      most = Math.max(most, openFds() - base);
    }
    // Back to the first directories: their handles were evicted and are re-opened.
    for (let i = 0; i < 200; i += 20) await putFile(dest, `a${i}/b/g`, `again ${i}`);
    assert.ok(most <= 8, `${most} descriptors open at most`);
    await dest.close();
    assert.equal(openFds(), base, 'every handle closed');
    for (let i = 0; i < 200; i += 20) {
      assert.equal(fs.readFileSync(path.join(top, 'target', `a${i}`, 'b', 'c', 'f'), 'utf8'), `file ${i}`);
      assert.equal(fs.readFileSync(path.join(top, 'target', `a${i}`, 'b', 'g'), 'utf8'), `again ${i}`);
    }
  });
});
