/**
 * Store calls forwarded to agents, without a real agent: recording channels stand in for
 * the agent stream and the test answers as an agent would. Covers the StoreCallRouter
 * (call ids, unary answers, streams, agent errors, timeouts, cancellation sent when the
 * caller goes away, a disconnect failing the calls, backpressure pausing the channel and
 * a stalled caller losing its call) and the forwarder's choice of agent (the store's
 * reach selector, passphrases held by agents, the same agent again, UNAVAILABLE naming
 * the store when none can reach it, the passphrase sent only when the controller holds it).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ManualClock } from '@coffer/shared/clock.js';
import type { ControllerMessage, StoreCall } from '@coffer/shared/gen/coffer/v1/agent.js';
import { ListTreeRequest, ListTreeResponse, FileChunk, ReadFileRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { Catalog } from '@coffer/controller/catalog/catalog.js';
import { AgentRegistry } from '@coffer/controller/dispatch/agent-registry.js';
import { StoreCallRouter } from '@coffer/controller/dispatch/store-calls.js';
import { createStoreForwarder } from '@coffer/controller/dispatch/store-forwarder.js';
import type { AgentChannel } from '@coffer/controller/dispatch/transport.js';
import { createLogger } from '@coffer/controller/observability/log.js';
import { collect } from '../helpers/temp-store.js';

class Channel implements AgentChannel {
  readonly sent: ControllerMessage[] = [];
  paused = 0;
  resumed = 0;
  constructor(
    readonly agentId: string,
    readonly agentName: string,
  ) {}
  send(msg: ControllerMessage): boolean {
    this.sent.push(msg);
    return true;
  }
  close(): void {}
  pause(): void {
    this.paused++;
  }
  resume(): void {
    this.resumed++;
  }
  calls(): StoreCall[] {
    return this.sent.flatMap((m) => (m.msg?.$case === 'storeCall' ? [m.msg.value] : []));
  }
  cancels(): string[] {
    return this.sent.flatMap((m) => (m.msg?.$case === 'storeCancel' ? [m.msg.value.callId] : []));
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const bytes = (n: number): Buffer => Buffer.alloc(n, 7);

async function codeOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof RpcError ? e.code : -1;
  }
}

describe('StoreCallRouter', () => {
  let clock: ManualClock;
  let router: StoreCallRouter;
  let ch: Channel;
  const call = { method: 'ListTree', request: Buffer.alloc(0), store: undefined, passphrase: '', destination: undefined, sealedPassphrase: Buffer.alloc(0) };

  beforeEach(() => {
    clock = new ManualClock(1000);
    router = new StoreCallRouter(clock, { highWaterBytes: 1000, lowWaterBytes: 100, stallMs: 5000 });
    ch = new Channel('a1', 'web1');
  });

  it('answers a unary call with the message that ends it, even an empty one', async () => {
    const got = collect(router.call(ch, call, { unary: true, signal: new AbortController().signal }));
    await tick();
    const id = ch.calls()[0]?.callId ?? '';
    assert.match(id, /^[0-9a-f]{16}$/);
    router.reply(ch, { callId: id, message: Buffer.alloc(0), end: true, errorCode: 0, errorMessage: '' });
    assert.deepEqual((await got).map((m) => m.length), [0]);
    assert.deepEqual(ch.cancels(), []);
  });

  it('streams messages in order and ignores replies of other calls and other agents', async () => {
    const got = collect(router.call(ch, call, { unary: false, signal: new AbortController().signal }));
    await tick();
    const id = ch.calls()[0]?.callId ?? '';
    router.reply(ch, { callId: id, message: bytes(1), end: false, errorCode: 0, errorMessage: '' });
    router.reply(new Channel('a2', 'web2'), { callId: id, message: bytes(9), end: false, errorCode: 0, errorMessage: '' });
    router.reply(ch, { callId: 'unknown', message: bytes(9), end: false, errorCode: 0, errorMessage: '' });
    router.reply(ch, { callId: id, message: bytes(2), end: false, errorCode: 0, errorMessage: '' });
    router.reply(ch, { callId: id, message: Buffer.alloc(0), end: true, errorCode: 0, errorMessage: '' });
    assert.deepEqual((await got).map((m) => m.length), [1, 2]);
  });

  it("reports the agent's error with its code and message", async () => {
    const got = collect(router.call(ch, call, { unary: true, signal: new AbortController().signal }));
    await tick();
    router.reply(ch, { callId: ch.calls()[0]?.callId ?? '', message: Buffer.alloc(0), end: true, errorCode: status.NOT_FOUND, errorMessage: "path 'x' does not exist" });
    await assert.rejects(got, (e: RpcError) => e.code === status.NOT_FOUND && e.message === "path 'x' does not exist");
  });

  it('times out a unary call and tells the agent to stop', async () => {
    const got = codeOf(collect(router.call(ch, call, { unary: true, signal: new AbortController().signal, timeoutMs: 2000 })));
    await tick();
    clock.advance(2001);
    assert.equal(await got, status.DEADLINE_EXCEEDED);
    assert.deepEqual(ch.cancels(), [ch.calls()[0]?.callId]);
  });

  it('sends a cancel when the caller goes away, and fails open calls when the agent disconnects', async () => {
    const ac = new AbortController();
    const first = codeOf(collect(router.call(ch, call, { unary: false, signal: ac.signal })));
    const second = codeOf(collect(router.call(ch, call, { unary: false, signal: new AbortController().signal })));
    await tick();
    assert.equal(router.inFlight(ch), 2);
    ac.abort();
    assert.equal(await first, status.CANCELLED);
    assert.deepEqual(ch.cancels(), [ch.calls()[0]?.callId]);
    router.closed(ch);
    assert.equal(await second, status.UNAVAILABLE);
    assert.equal(router.inFlight(ch), 0);
  });

  it('pauses the channel above the high-water mark and resumes it once the caller has read', async () => {
    const it: AsyncIterator<Uint8Array> = router.call(ch, call, { unary: false, signal: new AbortController().signal })[Symbol.asyncIterator]();
    const firstRead = it.next();
    await tick();
    const id = ch.calls()[0]?.callId ?? '';
    for (let i = 0; i < 4; i++) router.reply(ch, { callId: id, message: bytes(400), end: false, errorCode: 0, errorMessage: '' });
    assert.equal(ch.paused, 1, 'paused once over 1000 buffered bytes');
    const r = await firstRead;
    assert.equal(r.done ? -1 : r.value.length, 400);
    assert.equal(ch.resumed, 0, 'still over the low-water mark');
    await it.next();
    await it.next();
    await it.next();
    assert.equal(ch.resumed, 1, 'resumed below 100 bytes');
    router.reply(ch, { callId: id, message: Buffer.alloc(0), end: true, errorCode: 0, errorMessage: '' });
    assert.equal((await it.next()).done, true);
  });

  it('drops a call whose caller reads nothing while the agent waits, so the channel moves again', async () => {
    const it: AsyncIterator<Uint8Array> = router.call(ch, call, { unary: false, signal: new AbortController().signal })[Symbol.asyncIterator]();
    const first = it.next();
    await tick();
    const id = ch.calls()[0]?.callId ?? '';
    router.reply(ch, { callId: id, message: bytes(10), end: false, errorCode: 0, errorMessage: '' });
    await first;
    for (let i = 0; i < 3; i++) router.reply(ch, { callId: id, message: bytes(500), end: false, errorCode: 0, errorMessage: '' });
    assert.equal(ch.paused, 1);
    clock.advance(5001);
    assert.equal(ch.resumed, 1, 'resumed after the stalled call was dropped');
    assert.deepEqual(ch.cancels(), [id]);
    await assert.rejects(it.next(), (e: RpcError) => e.code === status.RESOURCE_EXHAUSTED);
  });
});

describe('the store forwarder', () => {
  let dir: string;
  let catalog: Catalog;
  let clock: ManualClock;
  let registry: AgentRegistry;
  let router: StoreCallRouter;

  function connect(name: string, labels: Record<string, string>, localStores: string[] = []): Channel {
    const ch = new Channel(`id-${name}`, name);
    registry.attach(ch, clock.now());
    const live = registry.get(ch.agentId);
    assert.ok(live);
    live.labels = labels;
    live.localStores = new Set(localStores);
    live.ready = true;
    return ch;
  }

  function forwarder(): ReturnType<typeof createStoreForwarder> {
    return createStoreForwarder({ catalog, registry, router, clock, log: createLogger('silent'), restore: () => (async function* () {})() });
  }

  /** Answers the last ListTree call on `ch` with a response naming `agent`. */
  function answer(ch: Channel, agent: string): void {
    const c = ch.calls().at(-1);
    assert.ok(c);
    router.reply(ch, { callId: c.callId, message: Buffer.from(ListTreeResponse.encode(ListTreeResponse.fromPartial({ path: agent, total: 1 })).finish()), end: true, errorCode: 0, errorMessage: '' });
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-forwarder-'));
    catalog = Catalog.open(dir);
    clock = new ManualClock(5000);
    registry = new AgentRegistry();
    router = new StoreCallRouter(clock);
    catalog.stores.add({ name: 'paris', location: 'sftp://backup@nas/paris', options: { reach: 'site=paris' }, passphrase: 'held by the controller', passphraseOnAgent: false, nowMs: 1 });
    catalog.stores.add({ name: 'private', location: '/srv/private', options: {}, passphrase: '', passphraseOnAgent: true, nowMs: 1 });
  });

  afterEach(() => {
    catalog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends ListTree to an agent whose labels match the reach selector, with the passphrase the controller holds, and decodes the answer', async () => {
    const lyon = connect('lyon', { site: 'lyon' });
    const paris = connect('paris1', { site: 'paris' });
    const api = forwarder();
    const p = api.listTree(ListTreeRequest.fromPartial({ store: 'paris', snapshot: 'abc', path: 'etc' }), { signal: new AbortController().signal });
    await tick();
    assert.equal(lyon.calls().length, 0);
    const c = paris.calls()[0];
    assert.ok(c);
    assert.equal(c.method, 'ListTree');
    assert.equal(c.passphrase, 'held by the controller');
    assert.deepEqual({ name: c.store?.name, location: c.store?.location }, { name: 'paris', location: 'sftp://backup@nas/paris' });
    assert.deepEqual(ListTreeRequest.decode(c.request), ListTreeRequest.fromPartial({ store: 'paris', snapshot: 'abc', path: 'etc' }));
    answer(paris, 'from paris1');
    assert.equal((await p).path, 'from paris1');
  });

  it('keeps asking the same agent about a store while it is connected', async () => {
    const a = connect('paris1', { site: 'paris' });
    const b = connect('paris2', { site: 'paris' });
    const api = forwarder();
    const first = api.listTree(ListTreeRequest.fromPartial({ store: 'paris' }), { signal: new AbortController().signal });
    await tick();
    const chosen = a.calls().length === 1 ? a : b;
    answer(chosen, chosen.agentName);
    await first;
    for (let i = 0; i < 3; i++) {
      const next = api.listTree(ListTreeRequest.fromPartial({ store: 'paris' }), { signal: new AbortController().signal });
      await tick();
      answer(chosen, chosen.agentName);
      assert.equal((await next).path, chosen.agentName);
    }
    assert.equal((chosen === a ? b : a).calls().length, 0);
  });

  it('sends a store whose passphrase agents keep only to an agent holding it, with no passphrase', async () => {
    const without = connect('web1', {});
    const holder = connect('web2', {}, ['private']);
    const api = forwarder();
    const chunks = (async () => {
      const out: FileChunk[] = [];
      for await (const c of api.readFile(ReadFileRequest.fromPartial({ store: 'private', snapshot: 's', path: 'f' }), { signal: new AbortController().signal })) out.push(c);
      return out;
    })();
    await tick();
    assert.equal(without.calls().length, 0);
    const c = holder.calls()[0];
    assert.ok(c);
    assert.equal(c.passphrase, '');
    router.reply(holder, { callId: c.callId, message: Buffer.from(FileChunk.encode(FileChunk.fromPartial({ offset: 0, data: Buffer.from('hi'), fileSize: 2 })).finish()), end: false, errorCode: 0, errorMessage: '' });
    router.reply(holder, { callId: c.callId, message: Buffer.alloc(0), end: true, errorCode: 0, errorMessage: '' });
    assert.deepEqual((await chunks).map((x) => Buffer.from(x.data).toString()), ['hi']);
  });

  it('answers UNAVAILABLE naming the store and its selector when no connected agent can reach it, NOT_FOUND for an unknown store', async () => {
    connect('lyon', { site: 'lyon' });
    const api = forwarder();
    await assert.rejects(api.listTree(ListTreeRequest.fromPartial({ store: 'paris' }), { signal: new AbortController().signal }), (e: RpcError) => e.code === status.UNAVAILABLE && e.message.includes('no connected agent can reach store paris (reach=site=paris)'));
    await assert.rejects(api.listTree(ListTreeRequest.fromPartial({ store: 'private' }), { signal: new AbortController().signal }), (e: RpcError) => e.code === status.UNAVAILABLE && /holding its passphrase/.test(e.message));
    await assert.rejects(api.listTree(ListTreeRequest.fromPartial({ store: 'nope' }), { signal: new AbortController().signal }), (e: RpcError) => e.code === status.NOT_FOUND);
  });
});
