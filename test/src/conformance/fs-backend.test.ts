/** The local-disk backend passes the storage conformance suite, plus disk-specific cases. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { storageConformance } from './storage-conformance.js';

storageConformance('FsBackend', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-fsb-'));
  return Promise.resolve({ backend: new FsBackend(path.join(dir, 'store')), cleanup: () => fs.promises.rm(dir, { recursive: true, force: true }) });
});

storageConformance('MemoryBackend', () => Promise.resolve({ backend: new MemoryBackend(), cleanup: () => Promise.resolve() }));

describe('FsBackend on disk', () => {
  it('refuses to create a store in a folder that is not empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-fsb-'));
    fs.writeFileSync(path.join(dir, 'something'), 'x');
    await assert.rejects(new FsBackend(dir).init(), (e: unknown) => e instanceof CofferError && e.code === ErrorCode.StoreExists);
    fs.rmSync(dir, { recursive: true });
  });

  it('leaves no temporary files behind and keeps the store private (0700)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-fsb-'));
    const b = new FsBackend(path.join(dir, 's'));
    await b.init();
    await b.save('index', 'ab'.repeat(32), Buffer.from('x'));
    assert.deepEqual(fs.readdirSync(path.join(dir, 's', 'tmp')), []);
    assert.equal(fs.statSync(path.join(dir, 's')).mode & 0o777, 0o700);
    fs.rmSync(dir, { recursive: true });
  });
});
