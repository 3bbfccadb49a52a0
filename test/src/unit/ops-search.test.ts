/**
 * Locate and PathHistory (agent/src/ops/locate.ts, history.ts) on a real store with three
 * snapshots of one source: a file that changes, then vanishes; a file whose mtime alone
 * changes; a folder that never changes (its tree is loaded once for all three).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { LocateRequest, PathHistoryRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { locate } from '@coffer/agent/ops/locate.js';
import { pathHistory } from '@coffer/agent/ops/history.js';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { CTX as ctx, rejectsRpc, tempStore } from '../helpers/temp-store.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';

function req(p: Partial<LocateRequest>): LocateRequest {
  return { ...LocateRequest.fromPartial({}), ...p };
}

describe('ops: Locate and PathHistory', function () {
  let store: StoreSession;
  let ids: string[];
  let src: string;

  before(async function () {
    const t = tempStore();
    src = t.src;
    t.write({ 'etc/app.conf': 'version one\n', 'etc/hosts': '127.0.0.1 localhost\n', 'docs/readme.txt': 'hello\n', 'docs/notes.md': 'notes\n' });
    const s1 = t.backup();
    t.write({ 'etc/app.conf': 'version two\n', 'new/file.conf': 'x = 1\n' });
    const s2 = t.backup();
    fs.rmSync(path.join(t.src, 'etc/app.conf'));
    fs.utimesSync(path.join(t.src, 'docs/readme.txt'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    const s3 = t.backup();
    ids = [s1, s2, s3];
    store = await t.open();
  });
  after(async () => {
    await store?.close();
    cleanupTmpDirs();
  });

  it('finds names by glob across all snapshots, newest first', async () => {
    const r = await locate(store, req({ pattern: '*.conf' }), ctx);
    assert.deepEqual(
      r.matches.map((m) => `${ids.indexOf(m.snapshot) + 1}:${m.path}`),
      ['3:new/file.conf', '2:etc/app.conf', '2:new/file.conf', '1:etc/app.conf'],
    );
    assert.equal(r.truncated, false);
    assert.equal(r.snapshotsSearched, 3);
    const m = r.matches[0];
    assert.equal(m?.source, src);
    assert.equal(m?.entry?.type, 'file');
    assert.equal(m?.entry?.size, 6);
    assert.match(m?.entry?.digest ?? '', /^[0-9a-f]{64}$/);
  });

  it('finds by a path glob with ** and by a case-insensitive substring', async () => {
    const byPath = await locate(store, req({ pattern: '**/etc/*' }), ctx);
    assert.deepEqual(byPath.matches.map((m) => m.path).sort(), ['etc/app.conf', 'etc/app.conf', 'etc/hosts', 'etc/hosts', 'etc/hosts']);
    const sub = await locate(store, req({ pattern: 'README', substring: true }), ctx);
    assert.deepEqual(sub.matches.map((m) => m.snapshot), [...ids].reverse());
    assert.ok(sub.matches.every((m) => m.path === 'docs/readme.txt'));
  });

  it('says which snapshots hold a file by its digest', async () => {
    const first = await locate(store, req({ pattern: 'app.conf' }), ctx);
    const v1 = first.matches.find((m) => m.snapshot === ids[0])?.entry?.digest ?? '';
    const r = await locate(store, req({ digest: v1 }), ctx);
    assert.deepEqual(r.matches.map((m) => [m.snapshot, m.path]), [[ids[0], 'etc/app.conf']]);
    const readme = (await locate(store, req({ pattern: 'readme.txt' }), ctx)).matches[0]?.entry?.digest ?? '';
    const all = await locate(store, req({ digest: readme }), ctx);
    assert.equal(all.matches.length, 3, 'an mtime change keeps the digest');
    await rejectsRpc(locate(store, req({ digest: 'abc' }), ctx), status.INVALID_ARGUMENT, /^digest: /);
    await rejectsRpc(locate(store, req({}), ctx), status.INVALID_ARGUMENT, /^pattern: /);
  });

  it('filters by source and time and cuts at the limit', async () => {
    const snaps = await store.snapshots();
    const t2 = Date.parse(snaps[1]?.snapshot.time ?? '');
    const since = await locate(store, req({ pattern: '*.conf', sinceMs: t2 }), ctx);
    assert.deepEqual(new Set(since.matches.map((m) => m.snapshot)), new Set([ids[1], ids[2]]));
    const until = await locate(store, req({ pattern: '*.conf', untilMs: t2 }), ctx);
    assert.deepEqual(new Set(until.matches.map((m) => m.snapshot)), new Set([ids[0], ids[1]]));
    const other = await locate(store, req({ pattern: '*', source: '/elsewhere' }), ctx);
    assert.equal(other.matches.length, 0);
    assert.equal(other.snapshotsSearched, 0);
    const cut = await locate(store, req({ pattern: '*', limit: 2 }), ctx);
    assert.equal(cut.matches.length, 2);
    assert.equal(cut.truncated, true);
    assert.equal(cut.snapshotsSearched, 1);
  });

  it('loads no tree twice across the snapshots', async () => {
    const repo = store.repo;
    const calls = new Map<string, number>();
    const orig = repo.loadTree.bind(repo);
    repo.loadTree = (id: string) => {
      calls.set(id, (calls.get(id) ?? 0) + 1);
      return orig(id);
    };
    try {
      const r = await locate(store, req({ pattern: '*' }), ctx);
      assert.ok(r.matches.length >= 15, `matched ${r.matches.length}`);
      const twice = [...calls].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'the unchanged docs/ tree is searched once');
      assert.ok(calls.size >= 5);
    } finally {
      repo.loadTree = orig;
    }
  });

  it('gives the history of a file that changes, then vanishes', async () => {
    const h = await pathHistory(store, PathHistoryRequest.fromPartial({ path: '/etc/app.conf' }), ctx);
    assert.equal(h.path, 'etc/app.conf');
    assert.deepEqual(
      h.versions.map((v) => [v.snapshot, v.present, v.changed, v.contentChanged, v.entry?.size ?? -1]),
      [
        [ids[0], true, true, true, 12],
        [ids[1], true, true, true, 12],
        [ids[2], false, true, false, -1],
      ],
    );
    assert.notEqual(h.versions[0]?.entry?.digest, h.versions[1]?.entry?.digest);
  });

  it('tells a metadata change from a content change, and an unchanged version', async () => {
    const h = await pathHistory(store, PathHistoryRequest.fromPartial({ path: 'docs/readme.txt', snapshot: ids[2] }), ctx);
    assert.deepEqual(
      h.versions.map((v) => [v.present, v.changed, v.contentChanged]),
      [
        [true, true, true],
        [true, false, false],
        [true, true, false],
      ],
    );
    assert.equal(h.versions[2]?.entry?.mtimeNs, String(Date.parse('2020-01-02T03:04:05Z') * 1_000_000));
  });

  it('refuses unknown paths, unknown snapshots and ..', async () => {
    await rejectsRpc(pathHistory(store, PathHistoryRequest.fromPartial({ path: 'no/such' }), ctx), status.NOT_FOUND, /no\/such/);
    await rejectsRpc(pathHistory(store, PathHistoryRequest.fromPartial({ path: 'docs', snapshot: 'ffffffff' }), ctx), status.NOT_FOUND, /ffffffff/);
    await rejectsRpc(pathHistory(store, PathHistoryRequest.fromPartial({ path: 'docs/../etc' }), ctx), status.INVALID_ARGUMENT, /^path: .*\.\./);
  });
});
