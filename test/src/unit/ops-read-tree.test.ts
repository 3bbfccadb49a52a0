/**
 * ListTree (agent/src/ops/tree-list.ts, tree-order.ts) through createStoreApi on real
 * stores on disk: a 100,000-entry folder paged by name and by size, a real backup with
 * a symlink and a name that is not UTF-8, a path naming a file, the filter, damaged
 * folders, bad fields, and the listing cache sorting once for many pages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { TreeNode } from '@coffer/agent/engine/tree.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { openStoreSession, type StoreSession } from '@coffer/agent/ops/store-session.js';
import { ListingCache } from '@coffer/agent/ops/tree-order.js';
import { ListTreeRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { backupDir, createStore, dirNode, fileNode, OPS_PASSPHRASE, rpcError, TreeBuilder } from '../helpers/ops-store.js';

const ctx = { signal: new AbortController().signal };
const DIRS = 100;
const FILES = 100_000 - DIRS;

function req(patch: Partial<ListTreeRequest>): ListTreeRequest {
  return ListTreeRequest.fromPartial(patch);
}

const sizeOf = (i: number): number => (i * 7919) % 100_003;
const fileName = (i: number): string => `file-${String(i).padStart(6, '0')}`;

describe('ops ListTree', function () {
  this.timeout(120_000);
  let dir: string;
  let session: StoreSession;
  let api: StoreApi;
  let big: string;
  let real: string;
  let damagedSnap: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-ops-tree-'));
    const store = path.join(dir, 'store');
    const repo = await createStore(store);
    // A synthetic snapshot: big/ holds 100 folders and 99,900 files.
    const b = new TreeBuilder(repo);
    const empty = await b.tree([]);
    const nodes: TreeNode[] = [];
    for (let i = FILES - 1; i >= 0; i--) nodes.push(fileNode(fileName(i), [], sizeOf(i), String(1_700_000_000_000_000_000n + BigInt(i))));
    for (let i = 0; i < DIRS; i++) nodes.push(dirNode(`dir-${String(i).padStart(3, '0')}`, empty));
    const bigTree = await b.tree(nodes);
    big = (await b.done(await b.tree([dirNode('big', bigTree)]))).id;
    // A real backup: a symlink, a name that is not UTF-8, an empty folder.
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'sub', 'empty'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'Readme.TXT'), 'hello');
    fs.writeFileSync(path.join(src, 'sub', 'notes.txt'), 'x'.repeat(100));
    fs.symlinkSync('notes.txt', path.join(src, 'sub', 'link'));
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(src, 'sub') + '/caf'), Buffer.from([0xe9])]), 'latin-1 name');
    real = (await backupDir(repo, src)).id;
    // A snapshot whose sub-folder listing is missing.
    const d = new TreeBuilder(repo);
    damagedSnap = (await d.done(await d.tree([dirNode('lost', 'ab'.repeat(32)), fileNode('ok', [], 0)]))).id;
    session = await openStoreSession({ location: store, passphrase: OPS_PASSPHRASE });
    api = createStoreApi(session);
  });
  after(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pages a 100,000-entry folder by name, folders first', async () => {
    const first = await api.listTree(req({ snapshot: big, path: 'big' }), ctx);
    assert.equal(first.total, 100_000);
    assert.equal(first.entries.length, 200);
    assert.equal(first.entries[0]?.name, 'dir-000');
    assert.equal(first.entries[0]?.type, 'dir');
    assert.equal(first.entries[100]?.name, fileName(0));
    const page3 = await api.listTree(req({ snapshot: big, path: 'big', offset: 400 }), ctx);
    assert.deepEqual(
      page3.entries.map((e) => e.name),
      Array.from({ length: 200 }, (_, k) => fileName(300 + k)),
    );
    const f = page3.entries[0];
    assert.equal(f?.size, sizeOf(300));
    assert.equal(f?.mtimeNs, String(1_700_000_000_000_000_000n + 300n));
    assert.equal(f?.digest, createHash('sha256').digest('hex'));
    assert.equal(page3.entry?.type, 'dir');
    assert.equal(page3.path, 'big');
  });

  it('sorts the 100,000-entry folder by size, descending', async () => {
    const expected = Array.from({ length: FILES }, (_, i) => i)
      .sort((a, b) => sizeOf(b) - sizeOf(a) || (fileName(b) < fileName(a) ? -1 : 1))
      .map(fileName);
    const p = await api.listTree(req({ snapshot: big, path: 'big', sort: 'size', descending: true, offset: 1000, limit: 500 }), ctx);
    assert.deepEqual(p.entries.map((e) => e.name), expected.slice(1000, 1500));
    const most = await api.listTree(req({ snapshot: big, path: 'big', limit: 6000 }), ctx);
    assert.equal(most.entries.length, 5000, 'a limit over 5000 is cut to it');
    const last = await api.listTree(req({ snapshot: big, path: 'big', sort: 'size', descending: true, offset: 99_990, limit: 20 }), ctx);
    assert.equal(last.entries.length, 10);
    assert.ok(last.entries.every((e) => e.type === 'dir'));
  });

  it('sorts by mtime and type and filters names case-insensitively', async () => {
    const m = await api.listTree(req({ snapshot: big, path: 'big', sort: 'mtime', descending: true, limit: 3 }), ctx);
    assert.deepEqual(m.entries.map((e) => e.name), [fileName(FILES - 1), fileName(FILES - 2), fileName(FILES - 3)]);
    const t = await api.listTree(req({ snapshot: real, path: 'sub', sort: 'type' }), ctx);
    assert.deepEqual(t.entries.map((e) => e.type), ['dir', 'file', 'file', 'file', 'symlink']);
    const f = await api.listTree(req({ snapshot: real, path: 'sub', filter: 'readme.t' }), ctx);
    assert.deepEqual(f.entries.map((e) => e.name), ['Readme.TXT']);
    assert.equal(f.total, 1);
    const g = await api.listTree(req({ snapshot: big, path: 'big', filter: 'FILE-00001' }), ctx);
    assert.equal(g.total, 10);
  });

  it('shows a real folder: symlink target, empty folder, a name that is not UTF-8 escaped and usable as a path', async () => {
    const r = await api.listTree(req({ snapshot: real.slice(0, 8), path: '/sub/' }), ctx);
    assert.equal(r.snapshot, real);
    assert.deepEqual(r.entries.map((e) => e.name), ['empty', 'Readme.TXT', 'caf\\xe9', 'link', 'notes.txt']);
    const link = r.entries.find((e) => e.name === 'link');
    assert.equal(link?.target, 'notes.txt');
    assert.equal(r.entries.find((e) => e.name === 'notes.txt')?.size, 100);
    const one = await api.listTree(req({ snapshot: real, path: 'sub/caf\\xe9' }), ctx);
    assert.equal(one.entry?.name, 'caf\\xe9');
    assert.equal(one.entry?.type, 'file');
    assert.deepEqual(one.entries, []);
    assert.equal(one.path, 'sub/caf\\xe9');
    const empty = await api.listTree(req({ snapshot: real, path: 'sub/empty' }), ctx);
    assert.equal(empty.total, 0);
  });

  it('names damaged folders', async () => {
    const top = await api.listTree(req({ snapshot: damagedSnap }), ctx);
    assert.equal(top.total, 2);
    assert.deepEqual(top.damaged.map((d) => d.path), ['lost']);
    const lost = await api.listTree(req({ snapshot: damagedSnap, path: 'lost' }), ctx);
    assert.deepEqual(lost.entries, []);
    assert.deepEqual(lost.damaged.map((d) => d.path), ['lost']);
  });

  it('refuses bad fields and names what is not found', async () => {
    await assert.rejects(api.listTree(req({ snapshot: real, path: 'sub/../..' }), ctx), rpcError(status.INVALID_ARGUMENT, /^path: /));
    await assert.rejects(api.listTree(req({ snapshot: real, path: 'nope' }), ctx), rpcError(status.NOT_FOUND, /'\/nope' does not exist in snapshot/));
    await assert.rejects(api.listTree(req({ snapshot: 'beef1234' }), ctx), rpcError(status.NOT_FOUND, /snapshot 'beef1234'/));
    await assert.rejects(api.listTree(req({ snapshot: '' }), ctx), rpcError(status.INVALID_ARGUMENT, /^snapshot: /));
    await assert.rejects(api.listTree(req({ snapshot: real, sort: 'colour' }), ctx), rpcError(status.INVALID_ARGUMENT, /^sort: /));
  });

  it('sorts a listing once for all its pages', () => {
    const cache = new ListingCache(2);
    let sorts = 0;
    const nodes = (): TreeNode[] => {
      sorts++;
      return [fileNode('b', [], 1), fileNode('a', [], 2)];
    };
    assert.deepEqual(cache.get('t1', nodes, 'name', false, '').map((n) => n.name), ['a', 'b']);
    cache.get('t1', nodes, 'name', false, '');
    assert.equal(sorts, 1);
    cache.get('t1', nodes, 'size', false, '');
    cache.get('t2', nodes, 'name', false, '');
    cache.get('t1', nodes, 'name', false, '');
    assert.equal(sorts, 4, 'the least recently used listing was dropped');
  });
});
