/**
 * StoreSession and StoreSessionCache (agent/src/ops): a store opened once and kept; a
 * second call on a cached session opens nothing and loads no index again; a backup made
 * meanwhile shows up and its files can be read; an idle session is closed and its lock
 * released; a failed opening (wrong passphrase) is not kept; close() closes every session.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { findNode } from '@coffer/agent/engine/tree-walk.js';
import { givenPassphrase, openStoreSession } from '@coffer/agent/ops/open-store.js';
import { StoreSessionCache, type SessionKey } from '@coffer/agent/ops/session-cache.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';
import { cleanupTmpDirs, pollUntil, TEST_PASSPHRASE } from '../helpers/cli.js';
import { backupTree, newStore, type TestStore } from './ops-fixture.js';

function locks(t: TestStore): string[] {
  return fs.readdirSync(path.join(t.store, 'locks'));
}

function cacheFor(t: TestStore, ttlMs: number, opened: StoreSession[]): StoreSessionCache {
  return new StoreSessionCache({
    ttlMs,
    open: async (k: SessionKey) => {
      const s = await openStoreSession(
        { location: k.location, options: k.options, passphrase: givenPassphrase(k.passphrase, k.location, 'give one'), passphraseGiven: 'the test', env: t.env, warn: () => undefined, lockFor: 'viewer' },
        { refreshMs: 0 },
      );
      opened.push(s);
      return s;
    },
  });
}

describe('ops: store sessions', function () {
  after(cleanupTmpDirs);

  it('keeps a store open: the second call opens nothing and loads no index again', async function () {
    const t = newStore();
    const { id } = backupTree(t, 'src', { 'a.txt': 'alpha\n', sub: { type: 'dir', children: { 'b.txt': 'beta\n' } } });
    const opened: StoreSession[] = [];
    const cache = cacheFor(t, 60_000, opened);
    const key = { location: t.store, options: {}, passphrase: TEST_PASSPHRASE };
    try {
      let indexLoads = 0;
      await cache.use(key, async (s) => {
        const orig = s.repo.loadIndex.bind(s.repo);
        s.repo.loadIndex = (...a) => {
          indexLoads++;
          return orig(...a);
        };
        await s.ready();
        assert.equal((await s.resolve(id.slice(0, 8))).id, id);
      });
      await cache.use(key, async (s) => {
        await s.ready();
        assert.equal((await findNode(s.repo, await s.resolve('latest'), 'sub/b.txt')).size, 5);
      });
      assert.equal(opened.length, 1, 'one opening');
      assert.equal(indexLoads, 1, 'one index load');
      assert.equal(locks(t).length, 1, 'one shared lock held');
    } finally {
      await cache.close();
    }
    assert.ok(opened.every((s) => s.isClosed));
    assert.deepEqual(locks(t), [], 'close() released the lock');
  });

  it('sees a backup made meanwhile, and reads its new data', async function () {
    const t = newStore();
    backupTree(t, 'one', { 'a.txt': 'alpha\n' });
    const opened: StoreSession[] = [];
    const cache = cacheFor(t, 60_000, opened);
    const key = { location: t.store, options: {}, passphrase: TEST_PASSPHRASE };
    try {
      await cache.use(key, async (s) => {
        await s.ready();
        assert.equal((await s.snapshots()).intact.length, 1);
      });
      const { id } = backupTree(t, 'two', { 'new.txt': 'brand new content\n' });
      await cache.use(key, async (s) => {
        assert.equal((await s.snapshots()).intact.length, 2);
        await s.ready();
        const node = await findNode(s.repo, await s.resolve(id), 'new.txt');
        const { fileChunks } = await import('@coffer/agent/engine/file-reader.js');
        const parts: Buffer[] = [];
        for await (const c of fileChunks(s.repo, node, 'new.txt')) parts.push(c);
        assert.equal(Buffer.concat(parts).toString(), 'brand new content\n');
      });
      assert.equal(opened.length, 1);
    } finally {
      await cache.close();
    }
  });

  it('closes a session once idle and releases its lock', async function () {
    const t = newStore();
    backupTree(t, 'src', { 'a.txt': 'alpha\n' });
    const opened: StoreSession[] = [];
    const cache = cacheFor(t, 20, opened);
    try {
      await cache.use({ location: t.store, options: {}, passphrase: TEST_PASSPHRASE }, async (s) => void (await s.snapshots()));
      assert.ok(await pollUntil(() => opened[0]?.isClosed === true, 500, 10), 'closed after the idle time');
      assert.ok(await pollUntil(() => locks(t).length === 0, 500, 10), 'lock released');
      assert.equal(cache.size, 0);
    } finally {
      await cache.close();
    }
  });

  it('does not keep a failed opening: a wrong passphrase, then the right one', async function () {
    const t = newStore();
    backupTree(t, 'src', { 'a.txt': 'alpha\n' });
    const opened: StoreSession[] = [];
    const cache = cacheFor(t, 60_000, opened);
    try {
      await assert.rejects(cache.use({ location: t.store, options: {}, passphrase: 'wrong' }, () => Promise.resolve()), /passphrase/i);
      assert.equal(cache.size, 0);
      await cache.use({ location: t.store, options: {}, passphrase: TEST_PASSPHRASE }, async (s) => assert.equal((await s.snapshots()).intact.length, 1));
    } finally {
      await cache.close();
    }
    await assert.rejects(cache.lease({ location: t.store, options: {}, passphrase: TEST_PASSPHRASE }), /closed/);
  });
});
