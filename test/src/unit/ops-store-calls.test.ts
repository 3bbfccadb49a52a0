/**
 * The agent's StoreCall handler (agent/src/fleet/store-calls.ts) against a real store,
 * with a fake send: unary and streaming replies (binary, one per message, then `end`),
 * the call's passphrase or the agent's own, one store opened for many calls, replies
 * paced by the send, cancellation, errors as codes with `end`, Restore refused, and a
 * Check remembered in the agent's state folder.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { StoreCall, StoreReply } from '@coffer/shared/gen/coffer/v1/agent.js';
import { CheckEvent, CheckRequest, FileChunk, ListTreeRequest, ListTreeResponse, LocateRequest, LocateResponse, ReadFileRequest, StoreRestoreRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { StoreCalls } from '@coffer/agent/fleet/store-calls.js';
import { createLocalPassphrases } from '@coffer/agent/jobs/local-passphrases.js';
import { readCheckState } from '@coffer/agent/ops/check-state.js';
import { StoreSessionCache } from '@coffer/agent/ops/store-session-cache.js';
import { cleanupTmpDirs, TEST_PASSPHRASE, tmpDir } from '../helpers/cli.js';
import { type TempStore, tempStore } from '../helpers/temp-store.js';

interface Harness {
  readonly calls: StoreCalls;
  readonly cache: StoreSessionCache;
  readonly replies: StoreReply[];
  readonly stateEnv: NodeJS.ProcessEnv;
}

let seq = 0;

function call(t: TempStore, method: string, request: Uint8Array, passphrase = TEST_PASSPHRASE): StoreCall {
  return { callId: `c${++seq}`, method, request: Buffer.from(request), store: { name: 'nas', location: t.store, options: {} }, passphrase, destination: undefined, sealedPassphrase: Buffer.alloc(0) };
}

/** The last reply of a call, which must end it. */
function last(replies: StoreReply[], c: StoreCall): StoreReply {
  const mine = replies.filter((r) => r.callId === c.callId);
  const end = mine[mine.length - 1];
  assert.ok(end?.end, 'the call ended');
  assert.ok(mine.slice(0, -1).every((r) => !r.end), 'only its last reply ends it');
  return end;
}

describe('agent StoreCall handler', function () {
  let t: TempStore;
  let snap: string;
  let content: Buffer;
  let h: Harness;
  let agentDir: string;

  function harness(send?: (r: StoreReply) => Promise<void>): Harness {
    const replies: StoreReply[] = [];
    const cache = new StoreSessionCache({ ttlMs: 60_000 });
    const stateEnv = { COFFER_STATE_DIR: path.join(agentDir, 'state') };
    const calls = new StoreCalls({
      send: send ?? ((r) => Promise.resolve(void replies.push(r))),
      cache,
      passphrases: createLocalPassphrases(agentDir),
      stateEnv,
      log: () => undefined,
    });
    return { calls, cache, replies, stateEnv };
  }

  before(function () {
    t = tempStore();
    content = randomBytes(700_000);
    t.write({ 'etc/app.conf': 'a = 1\n', 'big.bin': content });
    snap = t.backup();
    agentDir = tmpDir('coffer-agent-');
    fs.writeFileSync(path.join(agentDir, 'passphrases.json'), JSON.stringify({ nas: TEST_PASSPHRASE }), { mode: 0o600 });
  });
  beforeEach(() => {
    h = harness();
  });
  afterEach(async () => {
    await h.cache.closeAll();
  });
  after(() => cleanupTmpDirs());

  it('answers a unary call in one binary reply, and opens the store once for many calls', async () => {
    const c1 = call(t, 'ListTree', ListTreeRequest.encode(ListTreeRequest.fromPartial({ snapshot: snap })).finish());
    await h.calls.handle(c1);
    const r = last(h.replies, c1);
    assert.equal(r.errorCode, 0, r.errorMessage);
    assert.deepEqual(ListTreeResponse.decode(r.message).entries.map((e) => e.name), ['etc', 'big.bin']);
    const locate = LocateRequest.encode(LocateRequest.fromPartial({ pattern: '*.conf' })).finish();
    const c2 = call(t, 'Locate', locate);
    await h.calls.handle(c2);
    assert.deepEqual(LocateResponse.decode(last(h.replies, c2).message).matches.map((m) => m.path), ['etc/app.conf']);
    assert.equal(h.cache.opens, 1, 'one open for both calls');
    const c3 = call(t, 'Locate', locate, '');
    await h.calls.handle(c3);
    const r3 = last(h.replies, c3);
    assert.equal(r3.errorCode, 0, r3.errorMessage);
    assert.equal(LocateResponse.decode(r3.message).matches.length, 1, 'the agent used its own passphrase');
  });

  it('streams one reply per message, then an empty end, each after the last was taken', async () => {
    let pending = 0;
    let most = 0;
    const replies: StoreReply[] = [];
    h = harness(async (r) => {
      pending++;
      most = Math.max(most, pending);
      replies.push(r);
      await new Promise((resolve) => setImmediate(resolve));
      pending--;
    });
    const c = call(t, 'ReadFile', ReadFileRequest.encode(ReadFileRequest.fromPartial({ snapshot: snap, path: 'big.bin' })).finish());
    await h.calls.handle(c);
    const end = last(replies, c);
    assert.equal(end.errorCode, 0, end.errorMessage);
    assert.equal(end.message.length, 0);
    const chunks = replies.slice(0, -1).map((r) => FileChunk.decode(r.message));
    assert.ok(chunks.length >= 3, `${chunks.length} chunks`);
    assert.ok(Buffer.concat(chunks.map((x) => x.data)).equals(content));
    assert.equal(most, 1, 'never a second reply before the first was taken');
  });

  it('stops a cancelled call and sends nothing more for it', async () => {
    let release: () => void = () => undefined;
    const replies: StoreReply[] = [];
    h = harness((r) => {
      replies.push(r);
      return new Promise<void>((resolve) => (release = resolve));
    });
    const c = call(t, 'ReadFile', ReadFileRequest.encode(ReadFileRequest.fromPartial({ snapshot: snap, path: 'big.bin' })).finish());
    const done = h.calls.handle(c);
    for (let i = 0; i < 200 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(replies.length, 1, 'the first chunk was sent');
    h.calls.cancel(c.callId);
    release();
    await done;
    assert.equal(replies.length, 1, 'nothing after the cancel');
    assert.equal(h.calls.size, 0);
  });

  it('reports errors as codes with end, and refuses Restore', async () => {
    const cases: [StoreCall, status, RegExp][] = [
      [call(t, 'NoSuchMethod', new Uint8Array()), status.UNIMPLEMENTED, /NoSuchMethod/],
      [call(t, 'Restore', StoreRestoreRequest.encode(StoreRestoreRequest.fromPartial({ snapshot: snap, target: '/tmp/x' })).finish()), status.FAILED_PRECONDITION, /restore jobs on the destination's agent/],
      [call(t, 'ListTree', Buffer.from([0xff, 0xff, 0xff])), status.INVALID_ARGUMENT, /does not decode/],
      [call(t, 'ListTree', ListTreeRequest.encode(ListTreeRequest.fromPartial({ snapshot: 'ffffffff' })).finish()), status.NOT_FOUND, /ffffffff/],
      [{ ...call(t, 'ListTree', new Uint8Array(), ''), store: { name: 'unknown', location: t.store, options: {} } }, status.PERMISSION_DENIED, /neither the controller nor this agent/],
    ];
    for (const [c, code, re] of cases) {
      await h.calls.handle(c);
      const r = last(h.replies, c);
      assert.equal(r.errorCode, code, `${c.method}: ${r.errorMessage}`);
      assert.match(r.errorMessage, re);
      assert.doesNotMatch(r.errorMessage, new RegExp(TEST_PASSPHRASE), 'no passphrase in messages');
    }
  });

  it('runs a check and remembers it in the agent state folder', async () => {
    const c = call(t, 'Check', CheckRequest.encode(CheckRequest.fromPartial({ mode: 'fast' })).finish());
    await h.calls.handle(c);
    const mine = h.replies.filter((r) => r.callId === c.callId);
    const events = mine.slice(0, -1).map((r) => CheckEvent.decode(r.message));
    const result = events[events.length - 1]?.event;
    assert.equal(result?.$case, 'result');
    assert.equal(result.value.ok, true);
    const session = await h.cache.get({ location: t.store, options: {}, passphrase: TEST_PASSPHRASE });
    const state = readCheckState(session.repo.config.id, h.stateEnv);
    assert.equal(state?.summary.mode, 'fast');
    assert.equal(state?.snapshots[snap]?.ok, true);
  });
});
