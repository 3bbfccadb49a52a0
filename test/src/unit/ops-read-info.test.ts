/**
 * GetStoreInfo and ListStoreSnapshots (agent/src/ops/info.ts, snapshots.ts) through
 * createStoreApi on a real store on disk: totals against the store's files and the
 * snapshots' sizes, filters, sorts, paging and bad fields.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { Repository } from '@coffer/agent/engine/repository.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { openStoreSession, type StoreSession } from '@coffer/agent/ops/store-session.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { ListStoreSnapshotsRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { backupDir, createStore, OPS_PASSPHRASE, rpcError, TreeBuilder } from '../helpers/ops-store.js';

const ctx = { signal: new AbortController().signal };

/** Bytes of the store's files, without its reserve (locks/reserve), which is no part of what it holds. */
function filesSize(dir: string): number {
  let sum = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && !(e.name === 'reserve' && path.basename(e.parentPath) === 'locks')) sum += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return sum;
}

function req(patch: Partial<ListStoreSnapshotsRequest>): ListStoreSnapshotsRequest {
  return ListStoreSnapshotsRequest.fromPartial(patch);
}

describe('ops GetStoreInfo and ListStoreSnapshots', function () {
  this.timeout(60_000);
  let dir: string;
  let store: string;
  let session: StoreSession;
  let api: StoreApi;
  const ids: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-info-'));
    store = path.join(dir, 'store');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'text.txt'), 'compressible line of text\n'.repeat(20_000));
    const repo: Repository = await createStore(store);
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    ids.push((await backupDir(repo, src, { host: 'h1', tags: ['daily'], now: () => new Date(t0) })).id);
    ids.push((await backupDir(repo, src, { host: 'h2', tags: ['daily', 'x'], now: () => new Date(t0 + 86_400_000) })).id);
    const b = new TreeBuilder(repo);
    const empty = await b.tree([]);
    const errors = [{ path: 'etc/shadow', message: 'permission denied' }];
    ids.push((await b.done(empty, { time: new Date(t0 + 2 * 86_400_000), host: 'h1', source: '/other', summary: { errors: 1, files: 7, bytes: 1 }, errors })).id);
    session = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE });
    api = createStoreApi(session);
  });
  after(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the identity and totals of the store', async () => {
    const info = await api.getStoreInfo({ store: '' }, ctx);
    const repo = session.repo;
    assert.equal(info.storeId, repo.config.id);
    assert.equal(info.formatVersion, repo.config.version);
    assert.equal(info.encrypted, true);
    assert.equal(info.snapshots, 3);
    assert.equal(info.sizeOnDisk, filesSize(store));
    assert.equal(info.logicalBytes, 2 * 520_000 + 1);
    assert.ok(info.uniqueBytes >= 520_000 && info.uniqueBytes < 2 * 520_000, `unique ${info.uniqueBytes}`);
    assert.ok(Math.abs(info.dedupRatio - info.logicalBytes / info.uniqueBytes) < 1e-9);
    assert.ok(info.dedupRatio > 1.9, `dedup ${info.dedupRatio}`);
    assert.ok(info.compressionRatio > 5, `compression ${info.compressionRatio}`);
    assert.deepEqual(info.hosts, ['h1', 'h2']);
    assert.deepEqual(info.tags, ['daily', 'x']);
    assert.equal(info.sources.length, 2);
    assert.ok(info.sources.includes('/other'));
    assert.equal(info.lastCheck, undefined);
  });

  it('lists snapshots oldest first with their summaries and errors', async () => {
    const r = await api.listStoreSnapshots(req({}), ctx);
    assert.equal(r.total, 3);
    assert.deepEqual(r.snapshots.map((s) => s.id), ids);
    const last = r.snapshots[2];
    assert.equal(last?.files, 7);
    assert.equal(last?.errors, 1);
    assert.deepEqual(last?.errorList, [{ path: 'etc/shadow', error: 'permission denied' }]);
    const first = r.snapshots[0];
    assert.equal(first?.bytes, 520_000);
    assert.ok((first?.addedBytes ?? 0) >= 520_000);
    assert.equal(r.snapshots[1]?.parent, '');
    assert.equal(first?.timeMs, Date.parse('2024-01-01T00:00:00Z'));
  });

  it('filters by host, tags, source and time, sorts and pages', async () => {
    const idsOf = async (p: Partial<ListStoreSnapshotsRequest>): Promise<string[]> => (await api.listStoreSnapshots(req(p), ctx)).snapshots.map((s) => s.id);
    assert.deepEqual(await idsOf({ host: 'h1' }), [ids[0], ids[2]]);
    assert.deepEqual(await idsOf({ tags: ['daily', 'x'] }), [ids[1]]);
    assert.deepEqual(await idsOf({ source: '/other' }), [ids[2]]);
    const t1 = Date.parse('2024-01-02T00:00:00Z');
    assert.deepEqual(await idsOf({ sinceMs: t1, untilMs: t1 }), [ids[1]]);
    assert.deepEqual(await idsOf({ descending: true }), [...ids].reverse());
    assert.deepEqual(await idsOf({ sort: 'size', descending: true }), [ids[1], ids[0], ids[2]]); // ties newest first too
    assert.deepEqual(await idsOf({ sort: 'files', descending: true }), [ids[2], ids[1], ids[0]]);
    assert.deepEqual(await idsOf({ sort: 'host' }), [ids[0], ids[2], ids[1]]);
    const page = await api.listStoreSnapshots(req({ offset: 1, limit: 1 }), ctx);
    assert.equal(page.total, 3);
    assert.deepEqual(page.snapshots.map((s) => s.id), [ids[1]]);
  });

  it('refuses a bad sort, naming the field', async () => {
    await assert.rejects(api.listStoreSnapshots(req({ sort: 'colour' }), ctx), rpcError(status.INVALID_ARGUMENT, /^sort: /));
  });
});
