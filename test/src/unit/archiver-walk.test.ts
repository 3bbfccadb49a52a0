/**
 * The backup walk's bounds and shortcuts (engine/archiver.ts, pipeline/file-pool.ts):
 * parent trees are read without filling the tree cache, folders stay open only while
 * their files are in flight, trees being saved are bounded, an unchanged folder reuses
 * its parent tree, and `ls --recursive`'s walk leaves the cache empty too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup } from '@coffer/agent/engine/archiver.js';
import { TREES_SAVING, type WalkStats } from '@coffer/agent/engine/open-dirs.js';
import { EncodePool } from '@coffer/agent/engine/encode-pool.js';
import { makeIgnore } from '@coffer/agent/engine/ignore-rules.js';
import { RepoWriter } from '@coffer/agent/engine/repo-writer.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import type { SnapshotRecord } from '@coffer/agent/engine/snapshot.js';
import { walk } from '@coffer/agent/engine/tree-walk.js';
import { sameNode, type TreeNode } from '@coffer/agent/engine/tree.js';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { FILES_IN_FLIGHT, FilePool } from '@coffer/agent/pipeline/file-pool.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';

const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

describe('backup walk', function () {
  let dir: string;
  let repo: Repository;
  let pool: EncodePool;
  const folders = 1500;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-walk-'));
    // Wide and shallow: more folders than files may be in flight, one file each, and one deeper branch.
    for (let i = 0; i < folders; i++) {
      fs.mkdirSync(path.join(dir, `d${i}`));
      fs.writeFileSync(path.join(dir, `d${i}`, 'f.txt'), `file ${i}\n`);
    }
    fs.mkdirSync(path.join(dir, 'deep/a/b/c'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'deep/a/b/c/g.txt'), 'deep');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    repo = await Repository.create(new MemoryBackend(), 'pw', { kdf: FAST_KDF, packSize: 1024 * 1024 });
    pool = new EncodePool(repo.codec, repo.keys.data, 0);
  });
  afterEach(() => pool.close());

  async function run(parent?: SnapshotRecord): Promise<{ rec: SnapshotRecord; stats: WalkStats; writer: RepoWriter }> {
    const writer = new RepoWriter(repo, { pool });
    const files = new FilePool(repo, writer, 2);
    let stats: WalkStats | undefined;
    try {
      const rec = await backup(repo, writer, new FsSource(dir), {
        tags: [], ignore: makeIgnore([]), parent, host: 'h', user: 'u', program: 'test', files, onWalkStats: (s) => (stats = s),
      });
      assert.ok(stats);
      return { rec, stats, writer };
    } finally {
      await files.close();
    }
  }

  it('holds open only the folders whose files are in flight, and a bounded number of trees being saved', async () => {
    const { rec, stats } = await run();
    assert.equal(rec.snapshot.summary.dirs, folders + 4);
    assert.equal(rec.snapshot.summary.files, folders + 1);
    // The root, the deep branch (4) and at most one folder per file in flight.
    assert.ok(stats.maxOpenDirs <= FILES_IN_FLIGHT + 5, `${stats.maxOpenDirs} folders open at once`);
    assert.ok(stats.maxSavingTrees <= TREES_SAVING, `${stats.maxSavingTrees} trees saved at once`);
  });

  it('reads the parent trees without keeping them in the tree cache, and reuses those of unchanged folders', async () => {
    const first = await run();
    const fresh = await Repository.open(repo.backend, () => Promise.resolve('pw'));
    await fresh.loadIndex();
    repo = fresh;
    const second = await run(first.rec);
    assert.equal(repo.cachedTrees, 0);
    assert.equal(second.stats.treesReused, folders + 5);
    assert.equal(second.writer.stats.newBlobs, 0);
    assert.equal(second.rec.snapshot.root.subtree, first.rec.snapshot.root.subtree);
  });

  it('walks a snapshot for ls --recursive without filling the tree cache', async () => {
    const { rec } = await run();
    let n = 0;
    for await (const e of walk(repo, rec.snapshot.root, '', undefined, { cache: false })) if (e.node.type === 'file') n++;
    assert.equal(n, folders + 1);
    assert.equal(repo.cachedTrees, 0);
  });
});

describe('sameNode', () => {
  const file: TreeNode = { name: 'a', type: 'file', mode: 0o644, mtime: '1', size: 3, content: ['aa', 'bb'], xattrs: [{ name: 'user.x', value: 'eA==' }] };
  it('is true for the same fields in another order', () => {
    const { content, ...rest } = file;
    assert.ok(sameNode(file, { content, ...rest }));
    assert.ok(sameNode(JSON.parse(JSON.stringify(file)) as TreeNode, file));
  });
  it('is false when a value, an element, an xattr or the set of fields differs', () => {
    assert.ok(!sameNode(file, { ...file, mtime: '2' }));
    assert.ok(!sameNode(file, { ...file, content: ['aa', 'bc'] }));
    assert.ok(!sameNode(file, { ...file, content: ['aa'] }));
    assert.ok(!sameNode(file, { ...file, xattrs: [{ name: 'user.x', value: 'eQ==' }] }));
    assert.ok(!sameNode(file, { ...file, uid: 0 }));
    const { size: _s, ...noSize } = file;
    assert.ok(!sameNode(file, noSize));
  });
});
