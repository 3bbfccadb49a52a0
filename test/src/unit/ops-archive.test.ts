/**
 * ReadArchive (agent/src/ops/archive.ts, tar-writer.ts, zip-writer.ts) through
 * createStoreApi on a real store on disk, checked with other programs: the system's tar
 * extracts the archive byte for byte equal to the source (a symlink, a name over 100
 * bytes, a name that is not UTF-8, an empty folder, an empty file, modes, mtimes);
 * python3's zipfile reads the zip (CRCs, names as bytes, modes, zip64 past 65,535
 * entries); a 300 MB file streams with small RSS growth; selections, bad fields, damage.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { TreeNode } from '@coffer/agent/engine/tree.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { openStoreSession, type StoreSession } from '@coffer/agent/ops/store-session.js';
import { ReadArchiveRequest, type FileChunk } from '@coffer/shared/gen/coffer/v1/store.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { backupDir, createStore, dirNode, fileNode, OPS_PASSPHRASE, rpcError, TreeBuilder } from '../helpers/ops-store.js';
import { nameToBytes } from '@coffer/agent/engine/raw-name.js';
import { assertSameTree, sha256Tree } from '../helpers/tree.js';
import { listZip, streamToFile, untar } from './ops-archive-check.js';

const ctx = { signal: new AbortController().signal };
const MiB = 1024 * 1024;
const hex = (s: string | Buffer): string => Buffer.from(s).toString('hex');

async function drain(it: AsyncIterable<FileChunk>): Promise<void> {
  for await (const _ of it) void _;
}

describe('ops ReadArchive', function () {
  this.timeout(300_000);
  let dir: string;
  let src: string;
  let session: StoreSession;
  let api: StoreApi;
  let real: string;
  let huge: string;
  let many: string;
  let broken: string;
  const block = randomBytes(MiB);
  const longName = `${'n'.repeat(150)}.txt`;

  const archive = (p: Partial<ReadArchiveRequest>): AsyncIterable<FileChunk> => api.readArchive(ReadArchiveRequest.fromPartial({ snapshot: real, ...p }), ctx);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-archive-'));
    src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub', 'empty-dir'), { recursive: true });
    fs.mkdirSync(path.join(src, 'deep', 'er'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'empty-file'), '');
    fs.chmodSync(path.join(src, 'sub', 'empty-file'), 0o640);
    fs.writeFileSync(path.join(src, 'sub', 'text.txt'), 'some text\n'.repeat(1000));
    fs.writeFileSync(path.join(src, 'deep', 'er', longName), 'long name');
    fs.writeFileSync(path.join(src, 'random.bin'), randomBytes(3 * MiB + 17));
    fs.chmodSync(path.join(src, 'random.bin'), 0o755);
    fs.symlinkSync('sub/text.txt', path.join(src, 'link'));
    fs.writeFileSync(Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9])]), 'latin-1 name');
    const store = path.join(dir, 'store');
    const repo = await createStore(store);
    real = (await backupDir(repo, src)).id;
    // 300 MiB made of one repeated chunk, stored once.
    const b = new TreeBuilder(repo);
    const id = await b.chunk(block);
    huge = (await b.done(await b.tree([fileNode('huge.bin', Array.from({ length: 300 }, () => id), 300 * MiB)]))).id;
    // 70,000 empty files: past zip's 65,535 entries.
    const m = new TreeBuilder(repo);
    const nodes: TreeNode[] = Array.from({ length: 70_000 }, (_, i) => fileNode(`f${i}`, [], 0));
    many = (await m.done(await m.tree([dirNode('many', await m.tree(nodes))]))).id;
    // A file whose chunk is missing.
    const d = new TreeBuilder(repo);
    broken = (await d.done(await d.tree([fileNode('ok', [], 0), fileNode('lost', ['cd'.repeat(32)], 10)]))).id;
    session = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE });
    api = createStoreApi(session);
  });
  after(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a tar that the system tar extracts equal to the source, byte for byte', async () => {
    const file = path.join(dir, 'all.tar');
    await streamToFile(archive({}), file);
    const out = path.join(dir, 'untar-all');
    untar(file, out);
    const got = sha256Tree(out);
    // tar keeps whole seconds of mtimes.
    assertSameTree(sha256Tree(src), got, { root: false, symlinkMtime: false, mtimeToleranceNs: 1_000_000_000n, hardlinks: false }, 'extracted tar');
    assert.ok(got.has(`deep/er/${longName}`));
    assert.ok(got.has('caf\udce9'));
  });

  it('names a selection from the folder that holds it, and writes nested selections once', async () => {
    const file = path.join(dir, 'sel.tar');
    await streamToFile(archive({ paths: ['sub', 'sub/text.txt', '/sub/'] }), file);
    const out = path.join(dir, 'untar-sel');
    untar(file, out);
    assert.deepEqual([...sha256Tree(out).keys()].sort(), ['', 'sub', 'sub/empty-dir', 'sub/empty-file', 'sub/text.txt']);
    const one = path.join(dir, 'one.tar');
    await streamToFile(archive({ paths: [`deep/er/${longName}`, 'link'] }), one);
    const out1 = path.join(dir, 'untar-one');
    untar(one, out1);
    // Named from the snapshot's root (the deepest folder holding both); tar makes deep/er itself.
    assert.deepEqual([...sha256Tree(out1).keys()].sort(), ['', 'deep', 'deep/er', `deep/er/${longName}`, 'link']);
  });

  it('writes a zip that python3 zipfile reads: CRCs, names as bytes, modes, folders, symlinks', async () => {
    const file = path.join(dir, 'all.zip');
    await streamToFile(archive({ format: 'zip' }), file);
    const z = listZip(file);
    assert.equal(z.bad, null, 'every CRC matches');
    const want = sha256Tree(src);
    want.delete('');
    const got = new Map(z.entries.map((e) => [e.name, e]));
    for (const [name, m] of want) {
      const e = got.get(hex(nameToBytes(m.type === 'dir' ? `${name}/` : name)));
      assert.ok(e, `${name} is in the zip`);
      if (m.type === 'file') {
        assert.equal(e.sha, m.sha256);
        assert.equal(e.mode, 0o100000 | m.mode);
      } else if (m.type === 'symlink') {
        assert.equal(e.sha, createHash('sha256').update(nameToBytes(m.target ?? '')).digest('hex'));
        assert.equal(e.mode & 0o170000, 0o120000);
      } else assert.equal(e.mode, 0o040000 | m.mode);
    }
    assert.equal(z.entries.length, want.size);
    assert.equal(got.get(hex(Buffer.concat([Buffer.from('caf'), Buffer.from([0xe9])])))?.utf8, false, 'a name that is not UTF-8 has no UTF-8 flag');
    assert.equal(got.get(hex('sub/text.txt'))?.utf8, true);
  });

  it('streams a 300 MB file as tar and as zip with small memory growth', async () => {
    const expected = createHash('sha256');
    for (let i = 0; i < 300; i++) expected.update(block);
    const sha = expected.digest('hex');
    const tar = path.join(dir, 'huge.tar');
    const t = await streamToFile(archive({ snapshot: huge }), tar);
    assert.ok(t.rssGrowth < 64 * MiB, `RSS grew ${Math.round(t.rssGrowth / MiB)} MiB`);
    const out = path.join(dir, 'untar-huge');
    untar(tar, out);
    assert.equal(sha256Tree(out).get('huge.bin')?.sha256, sha);
    fs.rmSync(out, { recursive: true });
    fs.rmSync(tar);
    const zip = path.join(dir, 'huge.zip');
    const z = await streamToFile(archive({ snapshot: huge, format: 'zip' }), zip);
    assert.ok(z.rssGrowth < 64 * MiB, `RSS grew ${Math.round(z.rssGrowth / MiB)} MiB`);
    const listing = listZip(zip);
    assert.equal(listing.bad, null);
    assert.deepEqual(listing.entries.map((e) => [e.name, e.size, e.sha]), [[hex('huge.bin'), 300 * MiB, sha]]);
    fs.rmSync(zip);
  });

  it('writes zip64 end records past 65,535 entries', async () => {
    const file = path.join(dir, 'many.zip');
    await streamToFile(archive({ snapshot: many, format: 'zip' }), file);
    const z = listZip(file);
    assert.equal(z.bad, null);
    assert.equal(z.entries.length, 70_001);
    const names = new Set(z.entries.map((e) => e.name));
    assert.ok(names.has(hex('many/f69999')) && names.has(hex('many/')));
  });

  it('refuses a bad format and missing paths, and fails on damage instead of leaving a file out', async () => {
    await assert.rejects(drain(archive({ format: 'rar' })), rpcError(status.INVALID_ARGUMENT, /^format: /));
    await assert.rejects(drain(archive({ paths: ['nope'] })), rpcError(status.NOT_FOUND));
    await assert.rejects(drain(archive({ paths: ['sub/../..'] })), rpcError(status.INVALID_ARGUMENT, /^paths: /));
    await assert.rejects(drain(archive({ snapshot: broken })), rpcError(status.DATA_LOSS, /cannot read \/lost/));
  });
});
