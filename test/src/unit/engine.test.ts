/**
 * Engine tests on an in-memory store: backup and restore through the engine API,
 * concurrent writers, an interrupted writer, dedup across snapshots.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup } from '@coffer/agent/engine/archiver.js';
import { check } from '@coffer/agent/engine/checker.js';
import { EncodePool } from '@coffer/agent/engine/encode-pool.js';
import { makeIgnore } from '@coffer/agent/engine/ignore-rules.js';
import { RepoWriter } from '@coffer/agent/engine/repo-writer.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { restore } from '@coffer/agent/engine/restorer.js';
import { adoptOrphanPacks } from '@coffer/agent/engine/orphans.js';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { FilePool } from '@coffer/agent/pipeline/file-pool.js';
import { PackPool } from '@coffer/agent/engine/pack-pool.js';
import type { SnapshotRecord } from '@coffer/agent/engine/snapshot.js';

const FAST_KDF = { opslimit: 1, memlimit: 8 * 1024 * 1024 };

function tree(dir: string, files: Record<string, Buffer | string>): void {
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
}

async function run(repo: Repository, src: string, pool: EncodePool, parent?: SnapshotRecord): Promise<{ rec: SnapshotRecord; writer: RepoWriter }> {
  const writer = new RepoWriter(repo, { pool });
  const rec = await backup(repo, writer, new FsSource(src), { tags: [], ignore: makeIgnore([]), parent, host: 'h', user: 'u', program: 'test' });
  return { rec, writer };
}

describe('engine on an in-memory store', function () {
  let dir: string;
  let repo: Repository;
  let backend: MemoryBackend;
  let pool: EncodePool;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-eng-'));
    backend = new MemoryBackend();
    repo = await Repository.create(backend, 'pw', { kdf: FAST_KDF, packSize: 1024 * 1024 });
    pool = new EncodePool(repo.codec, repo.keys.data, 2);
  });
  afterEach(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up and restores a tree byte for byte', async () => {
    const src = path.join(dir, 'src');
    tree(src, { 'a.txt': 'alpha', 'd/big.bin': randomBytes(3_000_000), 'd/e/empty': '' });
    fs.mkdirSync(path.join(src, 'emptydir'));
    const { rec } = await run(repo, src, pool);
    const out = path.join(dir, 'out');
    await restore(repo, '', rec.snapshot.root, new FsDestination(out), { overwrite: 'never' });
    assert.deepEqual(fs.readFileSync(path.join(out, 'd/big.bin')), fs.readFileSync(path.join(src, 'd/big.bin')));
    assert.equal(fs.readFileSync(path.join(out, 'd/e/empty'), 'utf8'), '');
    assert.ok(fs.statSync(path.join(out, 'emptydir')).isDirectory());
    const r = await check(repo, { data: { kind: 'all' }, snapshots: undefined });
    assert.deepEqual(r.issues, []);
  });

  it('stores unchanged data once across snapshots and does not reread unchanged files', async () => {
    const src = path.join(dir, 'src');
    tree(src, { 'big.bin': randomBytes(4_000_000), 'small.txt': 'x' });
    const first = await run(repo, src, pool);
    const second = await run(repo, src, pool, first.rec);
    assert.equal(second.rec.snapshot.summary.unchangedFiles, 2);
    assert.equal(second.writer.stats.newBlobs, 0);
    fs.appendFileSync(path.join(src, 'small.txt'), 'y');
    const third = await run(repo, src, pool, second.rec);
    assert.equal(third.rec.snapshot.summary.changedFiles, 1);
    assert.ok(third.writer.stats.newBytes < 10_000, `added ${third.writer.stats.newBytes} bytes`);
  });

  it('lets two writers back up into one store at once', async () => {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const shared = randomBytes(2_000_000);
    tree(a, { 'shared.bin': shared, 'a.bin': randomBytes(1_500_000) });
    tree(b, { 'shared.bin': shared, 'b.bin': randomBytes(1_500_000) });
    const [ra, rb] = await Promise.all([run(repo, a, pool), run(repo, b, pool)]);
    const fresh = await Repository.open(backend, () => Promise.resolve('pw'));
    const r = await check(fresh, { data: { kind: 'all' }, snapshots: undefined });
    assert.deepEqual(r.issues.filter((i) => i.severity === 'error'), []);
    assert.equal(r.snapshots, 2);
    assert.notEqual(ra.rec.id, rb.rec.id);
  });

  it('leaves a valid store when the storage fails mid-backup, and the next backup reuses saved packs', async () => {
    const src = path.join(dir, 'src');
    tree(src, Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.bin`, randomBytes(900_000)])));
    let packs = 0;
    backend.beforeSave = (kind) => {
      if (kind === 'data' && ++packs > 3) throw new Error('injected failure');
    };
    await assert.rejects(run(repo, src, pool));
    backend.beforeSave = undefined;
    const reopened = await Repository.open(backend, () => Promise.resolve('pw'));
    const r1 = await check(reopened, { data: { kind: 'all' }, snapshots: undefined });
    assert.deepEqual(r1.issues.filter((i) => i.severity === 'error'), []);
    const again = await Repository.open(backend, () => Promise.resolve('pw'));
    await again.loadIndex();
    const writer = new RepoWriter(again, { pool });
    const adopted = adoptOrphanPacks(again, writer);
    assert.equal(adopted, 3);
    const rec = await backup(again, writer, new FsSource(src), { tags: [], ignore: makeIgnore([]), parent: undefined, host: 'h', user: 'u', program: 't' });
    assert.ok(writer.stats.newBytes <= 4_000_000, `re-added ${writer.stats.newBytes} bytes`);
    const r2 = await check(again, { data: { kind: 'all' }, snapshots: [rec] });
    assert.deepEqual(r2.issues.filter((i) => i.severity === 'error'), []);
  });

  it('never deadlocks when compressible data fills packs under a small in-flight limit', async () => {
    const big = await Repository.create(new MemoryBackend(), undefined, { plaintext: true, packSize: 16 * 1024 * 1024 });
    const src = path.join(dir, 'text');
    tree(src, Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`t${i}.txt`, `line ${i} of very repetitive text\n`.repeat(200_000)])));
    const bigPool = new EncodePool(big.codec, undefined, 2);
    for (const files of [false, true]) {
      const writer = new RepoWriter(big, { pool: bigPool, maxInFlight: 1024 * 1024 });
      const fp = files ? new FilePool(big, writer, 2) : undefined;
      const rec = await backup(big, writer, new FsSource(src), { tags: [], ignore: makeIgnore([]), parent: undefined, host: 'h', user: 'u', program: 't', ...(fp ? { files: fp } : {}) });
      await fp?.close();
      assert.equal(rec.snapshot.summary.files, 8);
    }
    await bigPool.close();
    const r = await check(big, { data: { kind: 'all' }, snapshots: undefined });
    assert.deepEqual(r.issues.filter((i) => i.severity === 'error'), []);
  });

  it('verifies small packs on pack workers (buffers from the shared pool are copied, not sent whole)', async () => {
    const src = path.join(dir, 'tiny');
    tree(src, { 'a.txt': 'a', 'b.txt': 'b' });
    await run(repo, src, pool);
    const packPool = new PackPool(repo.keys.data, repo.keys.id, 2);
    try {
      const r = await check(repo, { data: { kind: 'all' }, snapshots: undefined, pool: packPool });
      assert.deepEqual(r.issues, []);
      assert.ok(r.packsRead >= 2);
    } finally {
      await packPool.close();
    }
  });

  it('refuses a wrong passphrase', async () => {
    await assert.rejects(Repository.open(backend, () => Promise.resolve('nope')), /wrong passphrase/);
  });
});
