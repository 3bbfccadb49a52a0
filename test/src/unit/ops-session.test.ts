/**
 * Store sessions (agent/src/ops/store-session.ts, store-session-cache.ts) on real stores
 * on disk: one open per cached session, the reader lock released when idle and taken
 * again (with the new snapshots and a rewritten index loaded then), idle close, and
 * passphrases keying the cache.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { encodeIndex, INDEX_AAD } from '@coffer/agent/engine/index-file.js';
import { StoreLock } from '@coffer/agent/engine/lock.js';
import type { Repository } from '@coffer/agent/engine/repository.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { openStoreSession, type ReaderLock } from '@coffer/agent/ops/store-session.js';
import { StoreSessionCache } from '@coffer/agent/ops/store-session-cache.js';
import { backupDir, createStore, OPS_PASSPHRASE, openStore, rpcError } from '../helpers/ops-store.js';

/** A reader lock as the CLI takes it, counting takes and releases. */
function countingLock(counts: { taken: number; released: number }): ReaderLock {
  return async (repo: Repository) => {
    const l = await StoreLock.acquire(repo, { host: os.hostname(), pid: process.pid, user: 'test', exclusive: false, operation: 'ui' });
    counts.taken++;
    return {
      release: async () => {
        counts.released++;
        await l.release();
      },
    };
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe('ops store sessions', function () {
  this.timeout(60_000);
  let dir: string;
  let store: string;
  let src: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-session-'));
    store = path.join(dir, 'store');
    src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.txt'), 'alpha');
    const repo = await createStore(store);
    await backupDir(repo, src);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('opens a cached store once: a second createStoreApi on it neither reopens nor reloads the index', async () => {
    const cache = new StoreSessionCache({ ttlMs: 60_000 });
    const lines: string[] = [];
    try {
      const opts = { location: store, passphrase: OPS_PASSPHRASE, log: (l: string) => lines.push(l) };
      const s1 = await cache.get(opts);
      createStoreApi(s1);
      const s2 = await cache.get(opts);
      createStoreApi(s2);
      assert.equal(s1, s2);
      assert.equal(cache.opens, 1);
      assert.equal(cache.indexLoads, 1);
      assert.equal((await s2.run(() => s2.snapshots())).length, 1);
      assert.equal(cache.opens, 1);
      assert.match(lines.join('\n'), /^store opened \(index loaded in \d+ ms\)$/m);
      // Another passphrase is another session (and a wrong one is not kept).
      await assert.rejects(cache.get({ ...opts, passphrase: 'wrong' }));
      assert.equal(cache.size, 1);
    } finally {
      await cache.closeAll();
    }
  });

  it('shares one open among concurrent gets of one store', async () => {
    const cache = new StoreSessionCache({ ttlMs: 60_000 });
    try {
      const opts = { location: store, passphrase: OPS_PASSPHRASE };
      const [a, b] = await Promise.all([cache.get(opts), cache.get(opts)]);
      assert.equal(a, b);
      assert.equal(cache.opens, 1);
    } finally {
      await cache.closeAll();
    }
  });

  it('releases the reader lock when idle, so an exclusive locker can run, and takes it again on the next call', async () => {
    const counts = { taken: 0, released: 0 };
    const s = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE, lock: countingLock(counts), lockIdleMs: 50 });
    try {
      // Opening took the lock once; on a slow machine it may be released before the call.
      await until(() => !s.lockHeld, 'the idle lock release after opening');
      counts.taken = 0;
      counts.released = 0;
      const other = await openStore(store);
      const exclusive = { host: 'other', pid: 1, user: 'test', exclusive: true, operation: 'maintenance' };
      // While a call runs, the shared lock blocks maintenance.
      await s.run(async () => {
        assert.equal(s.lockHeld, true);
        await assert.rejects(StoreLock.acquire(other, exclusive), /is locked/);
      });
      await until(() => !s.lockHeld, 'the idle lock release');
      assert.equal(counts.released, 1);
      const m = await StoreLock.acquire(other, exclusive);
      await m.release();
      await s.run(() => Promise.resolve());
      assert.equal(counts.taken, 2);
    } finally {
      await s.close();
    }
    assert.equal(counts.released, 2);
    assert.deepEqual(fs.readdirSync(path.join(store, 'locks')).filter((n) => n !== 'reserve'), []);
  });

  it('holds the lock while a stream is read, from its first read to its end or its drop', async () => {
    const counts = { taken: 0, released: 0 };
    const s = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE, lock: countingLock(counts), lockIdleMs: 30 });
    try {
      await until(() => !s.lockHeld, 'the idle lock release');
      const api = createStoreApi(s, {
        ops: {
          async *readFile() {
            for (let i = 0; i < 3; i++) yield await Promise.resolve({ offset: i, data: Buffer.alloc(1), fileSize: 3 });
          },
        },
      });
      const stream = api.readFile({ store: '', snapshot: 'latest', path: 'a.txt', offset: 0, length: 0 }, { signal: new AbortController().signal });
      assert.equal(s.lockHeld, false, 'nothing is taken before the first read');
      const it = stream[Symbol.asyncIterator]();
      await it.next();
      assert.equal(s.lockHeld, true);
      await sleep(100);
      assert.equal(s.lockHeld, true, 'kept while the stream is open');
      await it.return?.();
      await until(() => !s.lockHeld, 'the idle lock release after the stream was dropped');
      assert.equal(counts.taken, 2);
    } finally {
      await s.close();
    }
  });

  it('loads new snapshots and a rewritten index when it takes the lock again', async () => {
    const counters = { opens: 0, indexLoads: 0 };
    const s = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE, lock: countingLock({ taken: 0, released: 0 }), lockIdleMs: 30, counters });
    try {
      await until(() => !s.lockHeld, 'the idle lock release');
      // A backup meanwhile: a new snapshot and index file; loaded without a full index load.
      const other = await openStore(store);
      fs.writeFileSync(path.join(src, 'b.txt'), 'beta');
      await backupDir(other, src);
      assert.equal((await s.run(() => s.snapshots())).length, 2);
      assert.equal(counters.indexLoads, 1);
      // Maintenance meanwhile: index files replaced by one: the index is loaded anew.
      await until(() => !s.lockHeld, 'the idle lock release');
      const files = await other.backend.list('index');
      const all = (await Promise.all(files.map((f) => other.readIndexFile(f.name)))).flat();
      await other.saveFile('index', encodeIndex(all), INDEX_AAD);
      for (const f of files) await other.backend.remove('index', f.name);
      const latest = await s.run(() => s.snapshot('latest'));
      assert.equal(counters.indexLoads, 2);
      assert.equal(counters.opens, 1);
      const root = latest.snapshot.root.subtree as string;
      assert.equal((await s.run(() => s.repo.loadTree(root))).nodes.length, 2);
    } finally {
      await s.close();
    }
  });

  it('closes a session idle for the time-to-live; the next get opens the store again', async () => {
    const cache = new StoreSessionCache({ ttlMs: 30 });
    try {
      const s = await cache.get({ location: store, passphrase: OPS_PASSPHRASE });
      await until(() => s.isClosed && cache.size === 0, 'the idle close');
      await assert.rejects(s.run(() => Promise.resolve()), /was closed/);
      await cache.get({ location: store, passphrase: OPS_PASSPHRASE });
      assert.equal(cache.opens, 2);
    } finally {
      await cache.closeAll();
    }
  });

  it('resolves snapshot references: latest, prefixes, unknown and malformed ones', async () => {
    const s = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE });
    try {
      const [only] = await s.snapshots();
      assert.ok(only);
      assert.equal((await s.snapshot(only.id.slice(0, 6))).id, only.id);
      assert.equal((await s.snapshot('latest')).id, only.id);
      await assert.rejects(s.snapshot('ffff0000'), rpcError(status.NOT_FOUND, /snapshot 'ffff0000' does not exist/));
      await assert.rejects(s.snapshot('../x'), rpcError(status.INVALID_ARGUMENT, /^snapshot: /));
    } finally {
      await s.close();
    }
  });

  it('refuses an encrypted store without a passphrase, naming it', async () => {
    await assert.rejects(openStoreSession({ location: store, display: '@mine' }), /@mine is encrypted and no passphrase was given/);
  });
});
