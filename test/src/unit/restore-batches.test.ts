/**
 * Restore in bounded batches (engine/restorer.ts, restore-batch.ts, restore-links.ts):
 * with small bounds a tree of several hundred entries is restored over many batches,
 * no batch holding more entries than the bound, and comes back byte for byte with
 * modes, times and hard links; hard-linked inodes beyond the bound come back as copies
 * and are counted; the map of pending inodes stays within its bound.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup } from '@coffer/agent/engine/archiver.js';
import { EncodePool } from '@coffer/agent/engine/encode-pool.js';
import { makeIgnore } from '@coffer/agent/engine/ignore-rules.js';
import { RepoWriter } from '@coffer/agent/engine/repo-writer.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { restore, type RestoreOptions } from '@coffer/agent/engine/restorer.js';
import { HardlinkMap } from '@coffer/agent/engine/restore-links.js';
import type { SnapshotRecord } from '@coffer/agent/engine/snapshot.js';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import type { TreeNode } from '@coffer/agent/engine/tree.js';
import { assertSameTree, sha256Tree, type TreeSpec, writeTree } from '../helpers/tree.js';

const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };
const T = (i: number): number => 1_600_000_000 + i * 3600 + 0.123456;

/** 4 folders of 3 sub-folders of 25 files (empty, small, up to 300 KB, some of 2 MB), symlinks, and hard links across folders. */
function spec(): TreeSpec {
  const modes = [0o600, 0o644, 0o755, 0o640, 0o444];
  const file = (d: number, s: number, f: number): TreeSpec[string] => {
    const k = d * 100 + s * 30 + f;
    const size = f === 0 ? 0 : f % 11 === 0 ? 2_000_000 : f % 3 === 0 ? 300_000 : 10 + ((k * 7919) % 4000);
    return { type: 'file', content: randomBytes(size), mode: modes[k % modes.length] as number, mtime: T(k) };
  };
  const sub = (d: number, s: number): TreeSpec => ({
    ...Object.fromEntries(Array.from({ length: 25 }, (_, f) => [`f${String(f).padStart(2, '0')}`, file(d, s, f)])),
    link: { type: 'symlink', target: `../s${s}/f01`, mtime: T(d * 10 + s) },
  });
  const dir = (d: number): TreeSpec[string] => ({
    type: 'dir',
    mode: [0o755, 0o750, 0o700, 0o711][d] as number,
    mtime: T(500 + d),
    children: Object.fromEntries(Array.from({ length: 3 }, (_, s) => [`s${s}`, { type: 'dir', mode: 0o755, mtime: T(600 + d * 3 + s), children: sub(d, s) }])),
  });
  return {
    ...Object.fromEntries(Array.from({ length: 4 }, (_, d) => [`d${d}`, dir(d)])),
    // Second names of files in d0, in a folder walked later (z… sorts last).
    zlinks: { type: 'dir', mtime: T(900), children: { h1: { type: 'hardlink', to: 'd0/s0/f01' }, h2: { type: 'hardlink', to: 'd0/s1/f02' } } },
  };
}

describe('restore in bounded batches', function () {
  this.timeout(120_000);
  let dir: string;
  let repo: Repository;
  let pool: EncodePool;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-batches-'));
    repo = await Repository.create(new MemoryBackend(), 'pw', { kdf: FAST_KDF, packSize: 1024 * 1024 });
    pool = new EncodePool(repo.codec, repo.keys.data, 2);
  });
  afterEach(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function backUp(src: string): Promise<SnapshotRecord> {
    const writer = new RepoWriter(repo, { pool });
    return backup(repo, writer, new FsSource(src), { tags: [], ignore: makeIgnore([]), parent: undefined, host: 'h', user: 'u', program: 'test' });
  }

  it('holds at most the bound of entries per batch over many batches, and restores byte for byte with metadata and hard links', async () => {
    const src = path.join(dir, 'src');
    writeTree(src, spec());
    fs.utimesSync(src, T(999), T(999));
    const rec = await backUp(src);
    const out = path.join(dir, 'out');
    const held: number[] = [];
    const opts: RestoreOptions = { overwrite: 'never', limits: { entries: 8, bytes: 512 * 1024, openFiles: 2, hardlinks: 16 }, onBatch: (n) => held.push(n) };
    const r = await restore(repo, '', rec.snapshot.root, new FsDestination(out), opts);
    assert.ok(held.length >= 40, `${held.length} batches`);
    assert.ok(Math.max(...held) <= 8, `a batch held ${Math.max(...held)} entries`);
    assert.equal(r.files, 4 * 3 * 25 + 2);
    assert.equal(r.linksCopied, 0);
    assert.equal(r.failed, 0);
    assertSameTree(sha256Tree(src), sha256Tree(out));
  });

  it('restores hard-linked names beyond the bound of pending inodes as copies, and counts them', async () => {
    const src = path.join(dir, 'src');
    const a = randomBytes(5000);
    const b = randomBytes(6000);
    const c = randomBytes(7000);
    writeTree(src, {
      x: { type: 'dir', children: { a1: a, b1: b, c1: c } },
      y: { type: 'dir', children: { a2: { type: 'hardlink', to: 'x/a1' }, b2: { type: 'hardlink', to: 'x/b1' }, c2: { type: 'hardlink', to: 'x/c1' } } },
    });
    const rec = await backUp(src);
    const out = path.join(dir, 'out');
    const r = await restore(repo, '', rec.snapshot.root, new FsDestination(out), { overwrite: 'never', limits: { hardlinks: 1 } });
    // x/a1 is remembered; x/b1 and x/c1 find the map full (copies); y/a2 links to x/a1, which is then forgotten;
    // y/b2 is remembered in its place (its other name has gone by: a file); y/c2 finds the map full again.
    assert.equal(r.linksCopied, 3);
    assert.equal(r.files, 6);
    const m = sha256Tree(out);
    assert.equal(m.get('x/a1')?.ino, m.get('y/a2')?.ino, 'x/a1 and y/a2 are one inode');
    assert.notEqual(m.get('x/b1')?.ino, m.get('y/b2')?.ino);
    assertSameTree(sha256Tree(src), m, { hardlinks: false, mtime: false });
  });

  it('keeps at most the bound of pending inodes and forgets one when all its names were seen', () => {
    const map = new HardlinkMap(2);
    const node = (inode: number, links: number): TreeNode => ({ name: 'n', type: 'file', mode: 0o644, mtime: '0', inode: String(inode), links, dev: '1' });
    assert.ok(map.plan('a', node(1, 2)).first);
    assert.ok(map.plan('b', node(2, 3)).first);
    assert.equal(map.plan('c', node(3, 2)).first, undefined, 'the map is full');
    assert.equal(map.copies, 1);
    assert.equal(map.size, 2);
    assert.equal(map.plan('d', node(1, 2)).linkTo?.path, 'a');
    assert.equal(map.size, 1, 'inode 1 forgotten after its second name');
    assert.equal(map.plan('e', node(2, 3)).linkTo?.path, 'b');
    assert.equal(map.plan('f', node(2, 3)).linkTo?.path, 'b');
    assert.equal(map.size, 0);
    assert.deepEqual(map.plan('g', node(4, 1)), {}, 'a file with one name is not remembered');
  });
});
