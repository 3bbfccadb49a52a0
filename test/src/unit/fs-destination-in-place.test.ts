/**
 * Where the local destination writes a file (connectors/fs-file.ts): in a folder this
 * restore made, under its final name from the start, with its final mode, no temporary;
 * in a folder that existed before, and in a made folder whose handle had to be opened
 * again, under a temporary name until commit. An aborted file leaves nothing either way.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { fileNode } from '../helpers/fs-dest.js';

const umask = (() => {
  const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
  return m ? parseInt(m[1] as string, 8) : 0o777;
})();

describe('local destination, files in place or under a temporary name', () => {
  let top: string;
  let target: string;
  let dest: FsDestination;
  beforeEach(async () => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-in-place-'));
    target = path.join(top, 'target');
    fs.mkdirSync(path.join(target, 'old'), { recursive: true });
    dest = new FsDestination(target, { maxOpenDirs: 2 });
    await dest.prepare();
  });
  afterEach(async () => {
    await dest.close();
    fs.rmSync(top, { recursive: true, force: true });
  });
  const names = (rel: string): string[] => fs.readdirSync(path.join(target, rel)).sort();

  it('writes a file in a folder it made under its final name, created with its final mode', async () => {
    assert.equal(await dest.makeDir('new'), true);
    const node = { ...fileNode('f', 5), mode: 0o640 };
    const f = await dest.createFile('new/f', node);
    await f.write(Buffer.from('hello'), 0);
    assert.deepEqual(names('new'), ['f'], 'no temporary name');
    if ((0o640 & umask) === 0) assert.equal(fs.statSync(path.join(target, 'new', 'f')).mode & 0o7777, 0o640, 'final mode at creation');
    await f.commit(node);
    const st = fs.statSync(path.join(target, 'new', 'f'));
    assert.equal(st.mode & 0o7777, 0o640);
    assert.equal(fs.readFileSync(path.join(target, 'new', 'f'), 'utf8'), 'hello');
    assert.equal(st.mtimeMs, 1600000000123.456);
  });

  it('writes under a temporary name in a folder that existed, renamed at commit', async () => {
    assert.equal(await dest.makeDir('old'), false);
    const f = await dest.createFile('old/f', fileNode('f', 3));
    await f.write(Buffer.from('abc'), 0);
    const during = names('old');
    assert.equal(during.length, 1);
    assert.match(during[0] as string, /^\.f\.coffer-/);
    await f.commit(fileNode('f', 3));
    assert.deepEqual(names('old'), ['f']);
  });

  it('uses a temporary name in a made folder whose handle was evicted and opened again', async () => {
    assert.equal(await dest.makeDir('a'), true);
    for (const d of ['b', 'c', 'd']) await dest.makeDir(d); // maxOpenDirs 2: a's handle is closed
    const f = await dest.createFile('a/f', fileNode('f', 1));
    assert.match(names('a')[0] as string, /^\.f\.coffer-/);
    await f.write(Buffer.from('x'), 0);
    await f.commit(fileNode('f', 1));
    assert.deepEqual(names('a'), ['f']);
  });

  it('leaves nothing of an aborted file, in place or not', async () => {
    await dest.makeDir('new');
    for (const rel of ['new/g', 'old/g']) {
      const f = await dest.createFile(rel, fileNode('g', 4));
      await f.write(Buffer.from('part'), 0);
      await f.abort();
    }
    assert.deepEqual(names('new'), []);
    assert.deepEqual(names('old'), []);
  });

  it('sets the size when the written end falls short of it (a tail of zeros)', async () => {
    await dest.makeDir('new');
    const f = await dest.createFile('new/z', fileNode('z', 3 * 4096));
    await f.write(Buffer.concat([Buffer.from('x'.repeat(4096)), Buffer.alloc(8192)]), 0);
    await f.commit(fileNode('z', 3 * 4096));
    const back = fs.readFileSync(path.join(target, 'new', 'z'));
    assert.equal(back.length, 3 * 4096);
    assert.ok(back.subarray(4096).equals(Buffer.alloc(8192)));
  });
});
