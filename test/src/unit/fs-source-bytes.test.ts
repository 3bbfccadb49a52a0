/**
 * The local source reads names as bytes: entries whose names are not UTF-8, in folders
 * whose names are not UTF-8, with their metadata, content, symlink targets as bytes,
 * and extended attributes (reached through /proc/self/fd where the path holds raw bytes).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { nameFromBytes, nameToBytes } from '@coffer/agent/engine/raw-name.js';
import { xattrAt } from '../helpers/tree.js';

const DIR = nameFromBytes(Buffer.from([0x64, 0xfe]));
const FILE = nameFromBytes(Buffer.from([0x66, 0xff]));
const TARGET = nameFromBytes(Buffer.from([0x2e, 0x2e, 0x2f, 0xff]));

describe('local source: names as bytes', () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-src-bytes-'));
    const dir = path.join(root, DIR);
    fs.mkdirSync(nameToBytes(dir));
    fs.writeFileSync(nameToBytes(path.join(dir, FILE)), 'raw file\n');
    fs.writeFileSync(nameToBytes(path.join(dir, 'plain.txt')), 'plain\n');
    fs.symlinkSync(nameToBytes(TARGET), nameToBytes(path.join(dir, 'link')));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists raw names, reads raw link targets and opens files under raw names', async () => {
    const src = new FsSource(root);
    const top = await src.readDir('');
    assert.deepEqual(top.errors, []);
    assert.deepEqual(top.entries.map((e) => [e.name, e.type]), [[DIR, 'dir']]);
    const inner = await src.readDir(DIR);
    assert.deepEqual(inner.errors, []);
    const byName = new Map(inner.entries.map((e) => [e.name, e]));
    assert.equal(byName.get(FILE)?.type, 'file');
    assert.equal(byName.get(FILE)?.size, 9);
    assert.equal(byName.get('link')?.target, TARGET);
    const f = await src.open(`${DIR}/${FILE}`);
    const buf = Buffer.alloc(64);
    const n = await f.read(buf, 0, buf.length);
    await f.close();
    assert.equal(buf.subarray(0, n).toString(), 'raw file\n');
  });

  it('reads extended attributes of a raw-named folder and of a file inside it', async function () {
    const dir = path.join(root, DIR);
    if (xattrAt(dir, undefined, 'user.coffer', 'on-dir') !== true) this.skip();
    assert.equal(xattrAt(dir, 'plain.txt', 'user.coffer', 'on-file'), true);
    const src = new FsSource(root);
    const d = (await src.readDir('')).entries[0];
    assert.deepEqual(d?.xattrs, [{ name: 'user.coffer', value: Buffer.from('on-dir').toString('base64') }]);
    const plain = (await src.readDir(DIR)).entries.find((e) => e.name === 'plain.txt');
    assert.deepEqual(plain?.xattrs, [{ name: 'user.coffer', value: Buffer.from('on-file').toString('base64') }]);
  });
});
