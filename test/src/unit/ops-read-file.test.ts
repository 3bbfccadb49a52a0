/**
 * ReadFile (agent/src/ops/read-file.ts, read-file-content.ts) through createStoreApi on a
 * real store on disk: ranges across chunk boundaries equal to the source bytes, only the
 * chunks a range touches loaded, pieces of at most 256 KiB, the ends of a file, bad
 * offsets and paths, and cancellation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { BlobType } from '@coffer/agent/engine/pack.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { openStoreSession, type StoreSession } from '@coffer/agent/ops/store-session.js';
import { ReadFileRequest, type FileChunk } from '@coffer/shared/gen/coffer/v1/store.js';
import { toRpcError } from '@coffer/shared/rpc/errors.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { backupDir, createStore, OPS_PASSPHRASE, rpcError } from '../helpers/ops-store.js';
import { collect } from '../helpers/temp-store.js';

const ctx = { signal: new AbortController().signal };

describe('ops ReadFile', function () {
  this.timeout(60_000);
  let dir: string;
  let session: StoreSession;
  let api: StoreApi;
  let snap: string;
  const data = randomBytes(6_000_000);
  let bounds: number[];
  let loaded: string[];

  const read = (p: Partial<ReadFileRequest>, c = ctx): AsyncIterable<FileChunk> => api.readFile(ReadFileRequest.fromPartial({ snapshot: snap, path: 'big.bin', ...p }), c);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-read-'));
    const store = path.join(dir, 'store');
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'folder'), { recursive: true });
    fs.writeFileSync(path.join(src, 'big.bin'), data);
    fs.writeFileSync(path.join(src, 'empty'), '');
    const repo = await createStore(store);
    snap = (await backupDir(repo, src)).id;
    session = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE });
    api = createStoreApi(session);
    const rec = await session.snapshot(snap);
    const tree = await session.repo.loadTree(rec.snapshot.root.subtree as string);
    const node = tree.nodes.find((n) => n.name === 'big.bin');
    let pos = 0;
    bounds = [];
    for (const id of node?.content ?? []) bounds.push((pos += session.repo.index.get(id)?.rawLength ?? 0));
    assert.ok(bounds.length >= 3, `the file has ${bounds.length} chunks`);
    // Count the chunks loaded.
    const open = session.repo;
    const orig = open.loadBlob.bind(open);
    open.loadBlob = (type: BlobType, id: string) => {
      loaded.push(id);
      return orig(type, id);
    };
  });
  beforeEach(() => {
    loaded = [];
  });
  after(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads a range across chunk boundaries, equal to the source bytes, loading only the chunks it touches', async () => {
    const from = (bounds[0] as number) - 1000;
    const to = (bounds[1] as number) + 5000;
    const chunks = await collect(read({ offset: from, length: to - from }));
    assert.deepEqual(Buffer.concat(chunks.map((c) => c.data)), data.subarray(from, to));
    assert.equal(chunks[0]?.fileSize, data.length);
    let at = from;
    for (const c of chunks) {
      assert.equal(c.offset, at);
      assert.ok(c.data.length <= 256 * 1024 && c.data.length > 0);
      at += c.data.length;
    }
    assert.equal(loaded.length, 3, 'chunks 0, 1 and 2 only');
  });

  it('reads the whole file with length 0, and cuts a range past the end', async () => {
    const all = await collect(read({}));
    assert.deepEqual(Buffer.concat(all.map((c) => c.data)), data);
    assert.equal(loaded.length, bounds.length);
    const tail = await collect(read({ offset: data.length - 10, length: 1000 }));
    assert.deepEqual(Buffer.concat(tail.map((c) => c.data)), data.subarray(data.length - 10));
  });

  it('gives one empty chunk with the size at the end of a file and for an empty file', async () => {
    const atEnd = await collect(read({ offset: data.length }));
    assert.deepEqual(atEnd.map((c) => [c.offset, c.data.length, c.fileSize]), [[data.length, 0, data.length]]);
    const empty = await collect(read({ path: 'empty' }));
    assert.deepEqual(empty.map((c) => [c.offset, c.data.length, c.fileSize]), [[0, 0, 0]]);
    assert.equal(loaded.length, 0);
  });

  it('refuses an offset beyond the end, a folder and a missing file', async () => {
    await assert.rejects(collect(read({ offset: data.length + 1 })), rpcError(status.OUT_OF_RANGE, /beyond the end of '\/big.bin'/));
    await assert.rejects(collect(read({ path: 'folder' })), rpcError(status.INVALID_ARGUMENT, /^path: '\/folder' is a folder, not a file/));
    await assert.rejects(collect(read({ path: 'nope' })), rpcError(status.NOT_FOUND));
    await assert.rejects(collect(read({ path: '../x' })), rpcError(status.INVALID_ARGUMENT));
  });

  it('stops when the call is cancelled', async () => {
    const ac = new AbortController();
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const c of read({}, { signal: ac.signal })) {
          got += c.data.length;
          ac.abort();
        }
      })(),
      (e: unknown) => toRpcError(e).code === status.CANCELLED,
    );
    assert.ok(got < data.length);
    assert.ok(loaded.length < bounds.length, `loaded ${loaded.length} of ${bounds.length} chunks`);
  });
});
