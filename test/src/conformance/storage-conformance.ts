/**
 * The conformance suite every StorageBackend must pass (see the guarantees in
 * agent/src/storage/backend.ts). Call `storageConformance` from a backend's test file
 * with a factory that gives a fresh, empty location.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { FileKind, StorageBackend } from '@coffer/agent/storage/backend.js';

/** A fresh backend at an empty location, and how to clean up after it. */
export interface BackendFixture {
  readonly backend: StorageBackend;
  cleanup(): Promise<void>;
}

const name = (): string => randomBytes(32).toString('hex');

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof CofferError && e.code === code);
}

/** Registers the suite under `describe(title)`. */
export function storageConformance(title: string, make: () => Promise<BackendFixture>): void {
  describe(`${title} (storage conformance)`, function () {
    let fx: BackendFixture;
    let b: StorageBackend;
    beforeEach(async () => {
      fx = await make();
      b = fx.backend;
      await b.init();
    });
    afterEach(async () => {
      await b.close();
      await fx.cleanup();
    });

    it('reports a store only once its config exists', async () => {
      assert.equal(await b.exists(), false);
      await b.save('config', '', Buffer.from('{}'));
      assert.equal(await b.exists(), true);
    });

    it('refuses to init over an existing store and never overwrites a config', async () => {
      await b.save('config', '', Buffer.from('first'));
      await rejectsWith(b.init(), ErrorCode.StoreExists);
      await rejectsWith(b.save('config', '', Buffer.from('second')), ErrorCode.StoreExists);
      assert.equal((await b.load('config', '')).toString(), 'first');
    });

    it('replaces an existing config whole with replaceConfig, and refuses to when there is none', async () => {
      await rejectsWith(b.replaceConfig(Buffer.from('none yet')), ErrorCode.NotFound);
      assert.equal(await b.exists(), false, 'replaceConfig creates no config');
      await b.save('config', '', Buffer.from('first'));
      const second = randomBytes(5000);
      await b.replaceConfig(second);
      assert.deepEqual(await b.load('config', ''), second);
      await rejectsWith(b.save('config', '', Buffer.from('third')), ErrorCode.StoreExists);
    });

    for (const kind of ['data', 'index', 'snapshot', 'lock', 'key'] as FileKind[]) {
      it(`saves, loads, stats, lists and removes ${kind} files`, async () => {
        const n = name();
        const data = randomBytes(1000);
        await b.save(kind, n, data);
        assert.deepEqual(await b.load(kind, n), data);
        assert.equal((await b.stat(kind, n)).size, 1000);
        assert.deepEqual((await b.list(kind)).map((f) => f.name), [n]);
        await b.remove(kind, n);
        assert.deepEqual(await b.list(kind), []);
        await rejectsWith(b.load(kind, n), ErrorCode.NotFound);
      });
    }

    it('reads byte ranges, and rejects a range past the end as Corrupt', async () => {
      const n = name();
      const data = randomBytes(100_000);
      await b.save('data', n, data);
      assert.deepEqual(await b.load('data', n, { offset: 12_345, length: 50_000 }), data.subarray(12_345, 62_345));
      assert.deepEqual(await b.load('data', n, { offset: 99_996, length: 4 }), data.subarray(99_996));
      await rejectsWith(b.load('data', n, { offset: 99_000, length: 2000 }), ErrorCode.Corrupt);
    });

    it('keeps the existing file when a name is saved again', async () => {
      const n = name();
      await b.save('index', n, Buffer.from('one'));
      await b.save('index', n, Buffer.from('two'));
      assert.equal((await b.load('index', n)).toString(), 'one');
    });

    it('rejects missing files with NotFound', async () => {
      await rejectsWith(b.load('snapshot', name()), ErrorCode.NotFound);
      await rejectsWith(b.stat('snapshot', name()), ErrorCode.NotFound);
      await rejectsWith(b.remove('snapshot', name()), ErrorCode.NotFound);
    });

    it('round-trips a 24 MiB file', async () => {
      const n = name();
      const data = randomBytes(24 * 1024 * 1024);
      await b.save('data', n, data);
      assert.ok((await b.load('data', n)).equals(data));
    });

    it('lists each file exactly once while many saves run concurrently, and never a partial file', async () => {
      const names = Array.from({ length: 40 }, name);
      const sizes = new Map(names.map((n, i) => [n, 1000 + i * 7919]));
      const saving = Promise.all(names.map((n) => b.save('data', n, randomBytes(sizes.get(n) ?? 0))));
      for (let i = 0; i < 5; i++) {
        for (const f of await b.list('data')) assert.equal(f.size, sizes.get(f.name), `listed ${f.name.slice(0, 8)} with a partial size`);
      }
      await saving;
      const listed = (await b.list('data')).map((f) => f.name).sort();
      assert.deepEqual(listed, [...names].sort());
    });
  });
}
