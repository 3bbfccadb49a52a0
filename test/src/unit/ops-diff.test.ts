/**
 * Diff and DiffFile (agent/src/ops/diff.ts, diff-file.ts) on a real store: a content
 * change and a metadata-only change told apart, added and removed entries, a new folder
 * as one change and drilled into, the parent found when `a` is empty, the limit, a text
 * line diff with known lines, identical and binary files, and a damaged folder listed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { DiffFileRequest, DiffRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { diff } from '@coffer/agent/ops/diff.js';
import { diffFile } from '@coffer/agent/ops/diff-file.js';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { CTX as ctx, damageBlob, type TempStore, tempStore } from '../helpers/temp-store.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';

function summary(r: { entries: { kind: string; path: string; type: string; contentChanged: boolean; metadataChanged: boolean }[] }): string[] {
  return r.entries.map((e) => `${e.kind} ${e.type} ${e.path}${e.contentChanged ? ' content' : ''}${e.metadataChanged ? ' meta' : ''}`);
}

describe('ops: Diff and DiffFile', function () {
  let t: TempStore;
  let store: StoreSession;
  let s1: string;
  let s2: string;

  before(async function () {
    t = tempStore();
    t.write({ 'etc/app.conf': 'a\nb\nc\n', 'docs/readme.txt': 'hello\n', 'docs/old.txt': 'old\n', 'docs/sub/x.txt': 'x\n', 'bin/blob': Buffer.from([1, 0, 2]) });
    s1 = t.backup();
    t.write({ 'etc/app.conf': 'a\nB\nc\nd\n', 'docs/sub/y.txt': 'y\n', 'new/one.txt': '1\n', 'new/two.txt': '2\n', 'bin/blob': Buffer.from([1, 0, 3]) });
    fs.rmSync(path.join(t.src, 'docs/old.txt'));
    fs.utimesSync(path.join(t.src, 'docs/readme.txt'), new Date('2021-05-06T07:08:09Z'), new Date('2021-05-06T07:08:09Z'));
    s2 = t.backup();
    store = await t.open();
  });
  after(async () => {
    await store?.close();
    cleanupTmpDirs();
  });

  it('lists what changed since the parent, content and metadata told apart', async () => {
    const r = await diff(store, DiffRequest.fromPartial({ b: s2 }), ctx);
    assert.equal(r.a, s1, 'the parent of b');
    assert.equal(r.b, s2);
    assert.deepEqual(summary(r), [
      'changed file bin/blob content meta',
      'removed file docs/old.txt content',
      'changed file docs/readme.txt meta',
      'added file docs/sub/y.txt content',
      'changed file etc/app.conf content meta',
      'added dir new content',
    ]);
    const conf = r.entries.find((e) => e.path === 'etc/app.conf');
    assert.equal(conf?.before?.size, 6);
    assert.equal(conf?.after?.size, 8);
    assert.notEqual(conf?.before?.digest, conf?.after?.digest);
    const readme = r.entries.find((e) => e.path === 'docs/readme.txt');
    assert.equal(readme?.before?.digest, readme?.after?.digest);
    assert.equal(r.entries.find((e) => e.kind === 'removed')?.after, undefined);
    assert.equal(r.truncated, false);
    assert.deepEqual(r.damaged, []);
  });

  it('drills into folders, an added one included, and cuts at the limit', async () => {
    const sub = await diff(store, DiffRequest.fromPartial({ a: s1, b: s2, path: 'docs/sub' }), ctx);
    assert.deepEqual(summary(sub), ['added file docs/sub/y.txt content']);
    const added = await diff(store, DiffRequest.fromPartial({ b: s2, path: '/new/' }), ctx);
    assert.deepEqual(summary(added), ['added file new/one.txt content', 'added file new/two.txt content']);
    const cut = await diff(store, DiffRequest.fromPartial({ b: s2, limit: 2 }), ctx);
    assert.equal(cut.entries.length, 2);
    assert.equal(cut.truncated, true);
  });

  it('shows a first snapshot as all added, and refuses bad requests', async () => {
    const r = await diff(store, DiffRequest.fromPartial({ b: s1 }), ctx);
    assert.equal(r.a, '');
    assert.deepEqual(summary(r), ['added dir bin content', 'added dir docs content', 'added dir etc content']);
    await assert.rejects(diff(store, DiffRequest.fromPartial({}), ctx), (e: unknown) => e instanceof RpcError && e.code === status.INVALID_ARGUMENT && /^b: /.test(e.message));
    await assert.rejects(diff(store, DiffRequest.fromPartial({ b: s2, path: 'nope' }), ctx), (e: unknown) => e instanceof RpcError && e.code === status.NOT_FOUND);
    await assert.rejects(diff(store, DiffRequest.fromPartial({ b: s2, path: '../x' }), ctx), (e: unknown) => e instanceof RpcError && e.code === status.INVALID_ARGUMENT);
  });

  it('gives a line diff of a text file with known lines', async () => {
    const r = await diffFile(store, DiffFileRequest.fromPartial({ a: s1, b: s2, path: 'etc/app.conf' }), ctx);
    assert.equal(r.binary, false);
    assert.equal(r.identical, false);
    assert.equal(r.truncated, false);
    assert.deepEqual(
      r.lines.map((l) => `${l.op}${l.aLine}/${l.bLine} ${l.text}`),
      [' 1/1 a', '-2/0 b', '+0/2 B', ' 3/3 c', '+0/4 d'],
    );
    const added = await diffFile(store, DiffFileRequest.fromPartial({ b: s2, path: 'docs/sub/y.txt' }), ctx);
    assert.deepEqual(added.lines.map((l) => `${l.op}${l.text}`), ['+y']);
  });

  it('says identical and binary, and refuses a folder', async () => {
    const same = await diffFile(store, DiffFileRequest.fromPartial({ b: s2, path: 'docs/readme.txt' }), ctx);
    assert.equal(same.identical, true);
    assert.deepEqual(same.lines, []);
    const bin = await diffFile(store, DiffFileRequest.fromPartial({ b: s2, path: 'bin/blob' }), ctx);
    assert.equal(bin.binary, true);
    assert.deepEqual(bin.lines, []);
    await assert.rejects(diffFile(store, DiffFileRequest.fromPartial({ b: s2, path: 'docs' }), ctx), (e: unknown) => e instanceof RpcError && e.code === status.INVALID_ARGUMENT && /is a dir/.test(e.message));
  });

  it('lists a folder whose listing cannot be read as damaged', async () => {
    const snap = await store.snapshot(s2);
    const docs = (await store.repo.loadTree(snap.snapshot.root.subtree ?? '')).nodes.find((n) => n.name === 'docs');
    const subNode = (await store.repo.loadTree(docs?.subtree ?? '')).nodes.find((n) => n.name === 'sub');
    damageBlob(store, t.store, subNode?.subtree ?? '');
    const fresh = await t.open();
    try {
      const r = await diff(fresh, DiffRequest.fromPartial({ b: s2 }), ctx);
      assert.deepEqual(r.damaged.map((d) => d.path), ['docs/sub']);
      assert.match(r.damaged[0]?.error ?? '', /damaged/);
      assert.ok(r.entries.some((e) => e.path === 'etc/app.conf'), 'the rest is still compared');
    } finally {
      await fresh.close();
    }
  });
});
