/**
 * Check (agent/src/ops/check.ts) and its remembered results (check-state.ts) on a real
 * store: progress then the outcome; a flipped byte in a pack names the damaged file in
 * each snapshot holding it and those snapshots; fast and subset modes; a check of some
 * snapshots updates only their remembered results; a bad mode is refused; a consumer
 * that stops early stops the check.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { status } from '@grpc/grpc-js';
import { CheckRequest, ListStoreSnapshotsRequest, StoreInfoRequest, type CheckEvent, type CheckOutcome } from '@coffer/shared/gen/coffer/v1/store.js';
import { createStoreApi } from '@coffer/agent/ops/store-api.js';
import { check } from '@coffer/agent/ops/check.js';
import { checkStateFile, readCheckState } from '@coffer/agent/ops/check-state.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';
import { cleanupTmpDirs } from '../helpers/cli.js';
import { collect, CTX, damageBlob, rejectsRpc, type TempStore, tempStore } from '../helpers/temp-store.js';

function outcomeOf(events: CheckEvent[]): CheckOutcome {
  const last = events[events.length - 1];
  assert.equal(last?.event?.$case, 'result', 'the last event is the result');
  assert.ok(events.slice(0, -1).every((e) => e.event?.$case === 'progress'), 'progress before it');
  return last.event.value;
}

describe('ops: Check', function () {
  let t: TempStore;
  let store: StoreSession;
  let s1: string;
  let s2: string;

  before(async function () {
    t = tempStore();
    t.write({ 'keep/a.txt': 'a\n', 'dam.bin': randomBytes(300_000) });
    s1 = t.backup();
    t.write({ 'keep/b.txt': randomBytes(200_000) });
    s2 = t.backup();
    store = await t.open();
  });
  after(async () => {
    await store?.close();
    cleanupTmpDirs();
  });

  it('checks an intact store fully, with progress, and remembers it', async () => {
    const events = await collect(check(store, CheckRequest.fromPartial({}), CTX, { env: t.env }));
    assert.ok(events.length >= 2);
    const first = events[0]?.event;
    assert.equal(first?.$case === 'progress' && first.value.phase, 'check');
    const o = outcomeOf(events);
    assert.equal(o.ok, true, JSON.stringify(o.issues));
    assert.ok(o.packsChecked > 0 && o.bytesRead > 500_000, `read ${o.bytesRead} bytes of ${o.packsChecked} packs`);
    assert.equal(o.summary?.mode, 'full');
    const state = readCheckState(store.repo.config.id, t.env);
    assert.equal(state?.summary.ok, true);
    assert.deepEqual(Object.keys(state?.snapshots ?? {}).sort(), [s1, s2].sort());
    assert.equal((fs.statSync(checkStateFile(store.repo.config.id, t.env)).mode & 0o777).toString(8), '600');
  });

  it('shows the remembered check in GetStoreInfo and ListStoreSnapshots', async () => {
    const api = createStoreApi(store, { env: t.env });
    const info = await api.getStoreInfo(StoreInfoRequest.fromPartial({}), CTX);
    assert.equal(info.lastCheck?.ok, true);
    assert.equal(info.lastCheck?.mode, 'full');
    assert.ok((info.lastCheck?.timeMs ?? 0) > Date.now() - 600_000);
    const list = await api.listStoreSnapshots(ListStoreSnapshotsRequest.fromPartial({}), CTX);
    assert.deepEqual(list.snapshots.map((x) => x.lastCheck?.ok), [true, true]);
  });

  it('names the damaged file and snapshots after a flipped pack byte', async () => {
    const rec = await store.snapshot(s1);
    const root = await store.repo.loadTree(rec.snapshot.root.subtree ?? '');
    const dam = root.nodes.find((n) => n.name === 'dam.bin');
    const pack = damageBlob(store, t.store, dam?.content?.[0] ?? '');
    const o = outcomeOf(await collect(check(store, CheckRequest.fromPartial({ mode: 'full' }), CTX, { env: t.env })));
    assert.equal(o.ok, false);
    assert.deepEqual([...o.damagedFiles].sort(), [`${s1}:/dam.bin`, `${s2}:/dam.bin`].sort());
    assert.deepEqual([...o.damagedSnapshots].sort(), [s1, s2].sort());
    assert.ok(o.issues.some((i) => i.kind === 'file' && i.snapshot === s1 && i.path === 'dam.bin'));
    assert.ok(o.issues.some((i) => i.kind === 'pack' && i.id === pack), JSON.stringify(o.issues.map((i) => [i.kind, i.id])));
    const state = readCheckState(store.repo.config.id, t.env);
    assert.equal(state?.summary.ok, false);
    assert.equal(state?.snapshots[s1]?.ok, false);
    assert.deepEqual(state?.snapshots[s2]?.damagedSnapshots, [s2]);
  });

  it('checks fast or a subset, of some snapshots, updating only theirs', async () => {
    const before = readCheckState(store.repo.config.id, t.env);
    const fast = outcomeOf(await collect(check(store, CheckRequest.fromPartial({ mode: 'fast', snapshots: [s2.slice(0, 10)] }), CTX, { env: t.env })));
    assert.equal(fast.ok, true, 'the structure is intact');
    assert.equal(fast.bytesRead, 0);
    const state = readCheckState(store.repo.config.id, t.env);
    assert.equal(state?.summary.mode, 'fast');
    assert.equal(state?.snapshots[s2]?.ok, true);
    assert.equal(state?.snapshots[s2]?.mode, 'fast');
    assert.deepEqual(state?.snapshots[s1], before?.snapshots[s1], 'the unchecked snapshot keeps its result');
    const part = outcomeOf(await collect(check(store, CheckRequest.fromPartial({ mode: '1/1' }), CTX, { env: t.env })));
    assert.equal(part.summary?.mode, '1/1');
    assert.equal(part.ok, false);
  });

  it('refuses a bad mode and an unknown snapshot', async () => {
    await rejectsRpc(collect(check(store, CheckRequest.fromPartial({ mode: 'most' }), CTX, { env: t.env })), status.INVALID_ARGUMENT, /^mode: /);
    await assert.rejects(collect(check(store, CheckRequest.fromPartial({ snapshots: ['ffffffff'] }), CTX, { env: t.env })), /ffffffff/);
  });

  it('stops when the consumer stops', async () => {
    let n = 0;
    for await (const e of check(store, CheckRequest.fromPartial({}), CTX, { env: t.env })) {
      assert.equal(e.event?.$case, 'progress');
      if (++n === 1) break;
    }
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(collect(check(store, CheckRequest.fromPartial({}), { signal: ac.signal }, { env: t.env })), /interrupted/);
  });
});
