/**
 * A store written by format version 1, committed under test/fixtures/store-v1, must
 * stay readable: a format change cannot pass unnoticed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check } from '@coffer/agent/engine/checker.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { restore } from '@coffer/agent/engine/restorer.js';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';
import { fixture } from './fixtures.js';

describe('store format version 1 fixture', () => {
  const open = (): Promise<Repository> => Repository.open(new FsBackend(fixture('store-v1')), () => Promise.resolve('fixture-passphrase'));

  it('opens with its passphrase and lists its one snapshot', async () => {
    const repo = await open();
    assert.equal(repo.config.version, 1);
    const snaps = await repo.listSnapshots();
    assert.equal(snaps.length, 1);
    assert.deepEqual(snaps[0]?.snapshot.tags, ['fixture']);
    assert.equal(snaps[0]?.snapshot.summary.files, 3);
  });

  it('passes a full check', async () => {
    const r = await check(await open(), { data: { kind: 'all' }, snapshots: undefined });
    assert.deepEqual(r.issues, []);
    assert.equal(r.files, 3);
  });

  it('restores the files recorded in its manifest, with mtime and symlink', async () => {
    const repo = await open();
    const [snap] = await repo.listSnapshots();
    assert.ok(snap);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-fix-'));
    try {
      await restore(repo, '', snap.snapshot.root, new FsDestination(out), { overwrite: 'never' });
      const manifest = fs.readFileSync(fixture('manifest-v1.sha256'), 'utf8').trim().split('\n');
      for (const line of manifest) {
        const [sum, rel] = line.split(/\s+/) as [string, string];
        const got = createHash('sha256').update(fs.readFileSync(path.join(out, rel))).digest('hex');
        assert.equal(got, sum, rel);
      }
      assert.equal(fs.readlinkSync(path.join(out, 'link')), 'docs/hello.txt');
      const st = fs.statSync(path.join(out, 'docs/hello.txt'), { bigint: true });
      assert.equal(st.mtimeNs / 1000n, 1577934245123456n);
      assert.ok(fs.statSync(path.join(out, 'empty')).isDirectory());
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('rejects a wrong passphrase', async () => {
    await assert.rejects(Repository.open(new FsBackend(fixture('store-v1')), () => Promise.resolve('wrong')), /wrong passphrase/);
  });
});
