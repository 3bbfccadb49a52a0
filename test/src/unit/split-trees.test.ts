/**
 * Split trees (store format 3, engine/tree-parts.ts): a folder of more than 8,192
 * entries is stored as parts cut where names hash to a cut, written as the backup goes
 * and read part by part; an unchanged folder reuses its tree; one new entry changes
 * one part; the order of names' bytes holds across parts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup } from '@coffer/agent/engine/archiver.js';
import { EncodePool } from '@coffer/agent/engine/encode-pool.js';
import { makeIgnore } from '@coffer/agent/engine/ignore-rules.js';
import { nameFromBytes, nameToBytes } from '@coffer/agent/engine/raw-name.js';
import { RepoWriter } from '@coffer/agent/engine/repo-writer.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import type { SnapshotRecord } from '@coffer/agent/engine/snapshot.js';
import { TreeBuilder, type TreeSink } from '@coffer/agent/engine/tree-builder.js';
import { compareNameBytes, encodeSplitTree, isPartEnd, PART_MAX, PART_MIN, SPLIT_ABOVE } from '@coffer/agent/engine/tree-parts.js';
import { walk } from '@coffer/agent/engine/tree-walk.js';
import { decodeStoredTree, decodeTree, type TreeNode } from '@coffer/agent/engine/tree.js';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { FilePool } from '@coffer/agent/pipeline/file-pool.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';

const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

function node(name: string): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime: '0', size: 0, content: [] };
}

describe('split trees: the pure parts', () => {
  it('orders names by their bytes, also where UTF-16 order differs', () => {
    const names = ['a', 'b', '\u{1F600}', '\uFFFD', 'é', nameFromBytes(Buffer.from([0x61, 0xff])), nameFromBytes(Buffer.from([0xc3])), 'ab', 'a\u0000'.slice(0, 1) + 'z'];
    for (let i = 0; i < 300; i++) names.push(nameFromBytes(randomBytes(1 + (i % 6))).replace(/[/\0]/g, 'x'));
    const byBytes = [...names].sort((a, b) => Buffer.compare(nameToBytes(a), nameToBytes(b)));
    assert.deepEqual([...names].sort(compareNameBytes), byBytes);
  });

  it('cuts parts between PART_MIN and PART_MAX nodes, by name only', () => {
    let len = 0;
    const sizes: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      len++;
      if (isPartEnd(`mail.${i}.eml`, len)) {
        sizes.push(len);
        len = 0;
      }
    }
    assert.ok(sizes.length > 10);
    for (const s of sizes) assert.ok(s >= PART_MIN && s <= PART_MAX, `part of ${s}`);
  });

  it('refuses a split tree in a store format before 3, a bad part list, and a split part', () => {
    const split = encodeSplitTree([{ id: 'a'.repeat(64), count: 3 }]);
    assert.throws(() => decodeStoredTree(split, 'x', 2), /store format 2 does not have/);
    assert.deepEqual(decodeStoredTree(split, 'x', 3).parts, [{ id: 'a'.repeat(64), count: 3 }]);
    assert.throws(() => decodeStoredTree(Buffer.from('{"parts":[{"id":"zz","count":1}]}'), 'x', 3), /not a blob id/);
    assert.throws(() => decodeStoredTree(Buffer.from('{"parts":[]}'), 'x', 3), /empty or malformed/);
    assert.throws(() => decodeTree(split, 'x', 3), /a part is never split/);
  });

  it('gives the same tree id however its parts were saved, and refuses nodes out of order', async () => {
    const saved = new Map<string, Buffer>();
    const sink: TreeSink = {
      saveNodes: (nodes) => {
        const b = Buffer.from(JSON.stringify(nodes.map((n) => n.name)));
        const id = String(saved.size).padStart(64, '0');
        saved.set(id, b);
        return Promise.resolve(id);
      },
      saveSplit: (b) => Promise.resolve(b.toString()),
    };
    const names = Array.from({ length: 20_000 }, (_, i) => `f${i}`).sort(compareNameBytes);
    const b = new TreeBuilder(sink, true);
    for (const n of names) await b.add(node(n));
    const list = JSON.parse(await b.finish()) as { parts: { count: number }[] };
    assert.equal(list.parts.reduce((s, p) => s + p.count, 0), 20_000);
    assert.ok(list.parts.length >= 3);
    const bad = new TreeBuilder(sink, true);
    void bad.add(node('b'));
    assert.throws(() => bad.add(node('a')), /out of order/);
  });
});

describe('split trees: backup, walk and reuse', function () {
  const FILES = SPLIT_ABOVE * 2 + 500;
  let dir: string;
  let repo: Repository;
  let pool: EncodePool;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-split-'));
    fs.mkdirSync(path.join(dir, 'big'));
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, 'big', `m${i}.eml`), `mail ${i}\n`);
    fs.mkdirSync(path.join(dir, 'big', 'sub'));
    fs.writeFileSync(path.join(dir, 'big', 'sub', 'x'), 'x');
    fs.writeFileSync(path.join(dir, 'big', '\u{1F600}'), 'astral');
    fs.writeFileSync(path.join(dir, 'big', '\uFFFD'), 'bmp');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    repo = await Repository.create(new MemoryBackend(), 'pw', { kdf: FAST_KDF, packSize: 1024 * 1024 });
    pool = new EncodePool(repo.codec, repo.keys.data, 0);
  });
  afterEach(() => pool.close());

  async function run(parent?: SnapshotRecord): Promise<{ rec: SnapshotRecord; writer: RepoWriter }> {
    const writer = new RepoWriter(repo, { pool });
    const files = new FilePool(repo, writer, 2);
    try {
      const rec = await backup(repo, writer, new FsSource(dir), { tags: [], ignore: makeIgnore([]), parent, host: 'h', user: 'u', program: 'test', files });
      return { rec, writer };
    } finally {
      await files.close();
    }
  }

  async function bigTree(rec: SnapshotRecord): Promise<string> {
    const root = await repo.loadTree(rec.snapshot.root.subtree as string, { cache: false });
    return root.nodes.find((n) => n.name === 'big')?.subtree as string;
  }

  it('stores a large folder as parts in byte order and walks every entry', async () => {
    assert.equal(repo.config.version, 3);
    const { rec } = await run();
    const stored = await repo.loadStoredTree(await bigTree(rec));
    assert.ok(stored.parts, 'the large folder is split');
    assert.ok(stored.parts.length >= 3, `${stored.parts.length} parts`);
    for (const p of stored.parts.slice(0, -1)) assert.ok(p.count >= PART_MIN && p.count <= PART_MAX);
    const seen: string[] = [];
    for await (const e of walk(repo, rec.snapshot.root, '', undefined, { cache: false })) if (e.path.startsWith('big/') && !e.path.startsWith('big/sub/')) seen.push(e.node.name);
    assert.equal(seen.length, FILES + 3);
    assert.deepEqual(seen, [...seen].sort(compareNameBytes));
    assert.equal((await repo.loadTree(await bigTree(rec))).nodes.length, FILES + 3);
    assert.equal(repo.cachedTrees, 0);
  });

  it('reuses an unchanged split folder, and one new entry changes at most two parts', async () => {
    const first = await run();
    const again = await run(first.rec);
    assert.equal(await bigTree(again.rec), await bigTree(first.rec));
    assert.equal(again.writer.stats.newBlobs, 0);
    fs.writeFileSync(path.join(dir, 'big', 'm5000.eml.new'), 'new mail');
    try {
      const changed = await run(again.rec);
      const a = (await repo.loadStoredTree(await bigTree(first.rec))).parts ?? [];
      const b = (await repo.loadStoredTree(await bigTree(changed.rec))).parts ?? [];
      const old = new Set(a.map((p) => p.id));
      const fresh = b.filter((p) => !old.has(p.id));
      assert.ok(fresh.length >= 1 && fresh.length <= 2, `${fresh.length} parts changed of ${b.length}`);
      // New blobs: the file's chunk, the changed parts, the split list and the root tree.
      assert.ok(changed.writer.stats.newBlobs <= 5, `${changed.writer.stats.newBlobs} new blobs`);
    } finally {
      fs.rmSync(path.join(dir, 'big', 'm5000.eml.new'));
    }
  });
});
