/**
 * Unit tests of the Connect protocol server (shared/src/rpc/connect-server.ts) on a real
 * node:http server on loopback, with a small in-memory StoreService: unary answers and
 * errors (Connect code and HTTP status), server streaming (envelopes, end-stream message,
 * an error in the middle), refusals at the HTTP level (method, content type, body size,
 * body shape), authentication before decoding, the handler's signal on client disconnect,
 * and a streamed response that waits for a client that does not read.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import { StoreServiceDefinition, type FileChunk, type ReadFileRequest, type StoreInfo, type StoreInfoRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { createConnectHandler, type ConnectOptions } from '@coffer/shared/rpc/connect-server.js';
import { notFoundRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { envelopeOf, parseEnvelopes, post, waitFor, type HttpAnswer } from '../helpers/http-client.js';

/** The Connect error body of an answer. */
function errorOf(r: HttpAnswer): { code: string; message: string } {
  return JSON.parse(r.body.toString()) as { code: string; message: string };
}

/** What the fake service saw, for the assertions. */
interface Seen {
  calls: number;
  hanging: number;
  principals: (string | undefined)[];
  aborted: number;
  chunksMade: number;
}

function fakeStore(seen: Seen): object {
  return {
    async getStoreInfo(req: StoreInfoRequest, ctx: CallContext): Promise<Partial<StoreInfo>> {
      seen.calls++;
      seen.principals.push(ctx.principal?.name);
      if (req.store === 'missing') throw notFoundRpc('store', req.store, "run 'coffer store list'");
      if (req.store === 'boom') throw new Error('secret internal detail /etc/shadow');
      if (req.store === 'hang') {
        seen.hanging++;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        seen.aborted++;
        throw new RpcError(status.CANCELLED, 'cancelled');
      }
      return { store: req.store, snapshots: 3, dedupRatio: 1.5, sources: ['a', 'b'] };
    },
    async *readFile(req: ReadFileRequest, ctx: CallContext): AsyncIterable<Partial<FileChunk>> {
      seen.calls++;
      await Promise.resolve();
      const size = 256 * 1024;
      if (req.path === 'endless') {
        try {
          for (let i = 0; i < 100_000 && !ctx.signal.aborted; i++) {
            seen.chunksMade++;
            yield { offset: i * size, data: Buffer.alloc(size, i % 251), ...(i === 0 ? { fileSize: 1e12 } : {}) };
          }
        } finally {
          if (ctx.signal.aborted) seen.aborted++;
        }
        return;
      }
      yield { offset: 0, data: Buffer.from('hello '), fileSize: 11 };
      if (req.path === 'broken') throw new RpcError(status.DATA_LOSS, "pack 'ab12' is damaged; run 'coffer check'");
      yield { offset: 6, data: Buffer.from('world') };
    },
  };
}

describe('Connect server (shared/src/rpc/connect-server.ts)', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen = { calls: 0, hanging: 0, principals: [], aborted: 0, chunksMade: 0 };
  const internal: string[] = [];
  let refuse: 'none' | 'authn' | 'authz' = 'none';

  before(async () => {
    const opts: ConnectOptions = {
      services: [{ def: StoreServiceDefinition, impl: fakeStore(seen) }],
      maxBodyBytes: 4096,
      authenticate(req) {
        if (refuse === 'authn') return Promise.reject(new RpcError(status.UNAUTHENTICATED, 'no session; log in'));
        return Promise.resolve(req.headers['x-user'] ? { name: String(req.headers['x-user']), role: 'admin' as const } : undefined);
      },
      authorize(path) {
        if (refuse === 'authz') throw new RpcError(status.PERMISSION_DENIED, `${path}: viewers may not`);
      },
      onInternalError: (path, err) => internal.push(`${path}: ${(err as Error).message}`),
    };
    const handle = createConnectHandler(opts);
    server = http.createServer((req, res) => {
      void handle(req, res).then((done) => {
        if (!done) res.writeHead(404, { 'content-type': 'text/plain' }).end('no such route\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    refuse = 'none';
  });

  const unary = (method: string, body: string, headers: Record<string, string> = {}) =>
    post(`${base}/coffer.v1.StoreService/${method}`, { 'content-type': 'application/json', ...headers }, body);

  it('answers a unary call with the response as proto3 JSON (camelCase, defaults omitted)', async () => {
    const r = await unary('GetStoreInfo', '{"store":"main"}', { 'x-user': 'ann' });
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(r.body.toString()), { store: 'main', snapshots: 3, dedupRatio: 1.5, sources: ['a', 'b'] });
    assert.equal(seen.principals.at(-1), 'ann');
  });

  it('accepts an empty body as the empty request and a charset in the content type', async () => {
    const r = await unary('GetStoreInfo', '', { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), { snapshots: 3, dedupRatio: 1.5, sources: ['a', 'b'] });
  });

  it('maps a unary RpcError to its Connect code and HTTP status, with its one-line message', async () => {
    const r = await unary('GetStoreInfo', '{"store":"missing"}');
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body.toString()), { code: 'not_found', message: "store 'missing' does not exist; run 'coffer store list'" });
  });

  it('reports an unexpected error as internal without its message, and logs it', async () => {
    const r = await unary('GetStoreInfo', '{"store":"boom"}');
    assert.equal(r.status, 500);
    const body = JSON.parse(r.body.toString()) as { code: string; message: string };
    assert.equal(body.code, 'internal');
    assert.doesNotMatch(body.message, /shadow|secret/);
    assert.ok(internal.some((l) => l.includes('/coffer.v1.StoreService/GetStoreInfo') && l.includes('secret')));
  });

  it('streams enveloped messages and ends with an empty end-stream message', async () => {
    const r = await post(`${base}/coffer.v1.StoreService/ReadFile`, { 'content-type': 'application/connect+json' }, envelopeOf({ path: 'f' }));
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/connect+json');
    const env = parseEnvelopes(r.body);
    assert.deepEqual(env, [
      { flags: 0, json: { data: Buffer.from('hello ').toString('base64'), fileSize: 11 } },
      { flags: 0, json: { offset: 6, data: Buffer.from('world').toString('base64') } },
      { flags: 2, json: {} },
    ]);
  });

  it('ends a stream that fails in the middle with the error in the end-stream message', async () => {
    const r = await post(`${base}/coffer.v1.StoreService/ReadFile`, { 'content-type': 'application/connect+json' }, envelopeOf({ path: 'broken' }));
    assert.equal(r.status, 200);
    const env = parseEnvelopes(r.body);
    assert.equal(env.length, 2);
    assert.equal(env[0]?.flags, 0);
    assert.deepEqual(env[1], { flags: 2, json: { error: { code: 'data_loss', message: "pack 'ab12' is damaged; run 'coffer check'" } } });
  });

  it('refuses a wrong content type with 415, before calling the handler', async () => {
    const before = seen.calls;
    const a = await unary('GetStoreInfo', '{}', { 'content-type': 'text/plain' });
    assert.equal(a.status, 415);
    assert.match(errorOf(a).message, /application\/json/);
    const b = await post(`${base}/coffer.v1.StoreService/ReadFile`, { 'content-type': 'application/json' }, '{}');
    assert.equal(b.status, 415);
    assert.match(errorOf(b).message, /application\/connect\+json/);
    assert.equal(seen.calls, before);
  });

  it('refuses another method than POST with 405', async () => {
    const r = await post(`${base}/coffer.v1.StoreService/GetStoreInfo`, {}, undefined, 'GET');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
  });

  it('refuses a body over the bound with 413, by Content-Length or as it arrives', async () => {
    const before = seen.calls;
    const big = JSON.stringify({ store: 'x'.repeat(5000) });
    const a = await unary('GetStoreInfo', big);
    assert.equal(a.status, 413);
    assert.equal(errorOf(a).code, 'resource_exhausted');
    const b = await post(`${base}/coffer.v1.StoreService/GetStoreInfo`, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [big.slice(0, 3000), big.slice(3000)]);
    assert.equal(b.status, 413);
    assert.equal(seen.calls, before);
  });

  it('refuses bodies that are not a JSON object, and bad envelopes, as invalid_argument', async () => {
    for (const body of ['{not json', 'null', '[1,2]', '7']) {
      const r = await unary('GetStoreInfo', body);
      assert.equal(r.status, 400, body);
      assert.equal(errorOf(r).code, 'invalid_argument', body);
    }
    const bad = envelopeOf({ path: 'f' });
    bad[0] = 1; // compressed: not supported
    const r = await post(`${base}/coffer.v1.StoreService/ReadFile`, { 'content-type': 'application/connect+json' }, bad);
    assert.equal(r.status, 400);
    const short = await post(`${base}/coffer.v1.StoreService/ReadFile`, { 'content-type': 'application/connect+json' }, Buffer.from([0, 0, 0, 0, 9, 0x7b]));
    assert.equal(short.status, 400);
  });

  it('authenticates and authorizes before decoding or calling the handler', async () => {
    const before = seen.calls;
    refuse = 'authn';
    const a = await unary('GetStoreInfo', '{not json');
    assert.equal(a.status, 401);
    assert.equal(errorOf(a).code, 'unauthenticated');
    refuse = 'authz';
    const b = await unary('GetStoreInfo', '{}');
    assert.equal(b.status, 403);
    assert.deepEqual(JSON.parse(b.body.toString()), { code: 'permission_denied', message: '/coffer.v1.StoreService/GetStoreInfo: viewers may not' });
    assert.equal(seen.calls, before);
  });

  it('leaves other paths to the caller', async () => {
    const r = await post(`${base}/coffer.v1.StoreService/Nope`, { 'content-type': 'application/json' }, '{}');
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), 'no such route\n');
  });

  it('aborts a unary handler’s signal when the client goes away', async () => {
    const before = seen.aborted;
    const req = http.request(`${base}/coffer.v1.StoreService/GetStoreInfo`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end('{"store":"hang"}');
    assert.ok(await waitFor(() => seen.hanging > 0, 200), 'the handler was not called within 20 s');
    req.destroy();
    assert.ok(await waitFor(() => seen.aborted > before, 200), 'the handler saw no abort within 20 s');
  });

  it('waits for a client that does not read, and stops the stream when it leaves', async () => {
    const before = seen.aborted;
    seen.chunksMade = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${base}/coffer.v1.StoreService/ReadFile`, { method: 'POST', headers: { 'content-type': 'application/connect+json' } }, resolve);
      req.on('error', reject);
      req.end(envelopeOf({ path: 'endless' }));
    });
    res.pause();
    res.on('error', () => undefined);
    // Production stalls once the socket buffers are full: it stops growing.
    let last = -1;
    for (let i = 0; i < 100 && seen.chunksMade !== last; i++) {
      last = seen.chunksMade;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(seen.chunksMade, last, 'the stream never stalled for a client that does not read');
    assert.ok(seen.chunksMade * 256 * 1024 < 64 * 1024 * 1024, `the server buffered ${seen.chunksMade} chunks of 256 KiB for a client that does not read`);
    res.destroy();
    assert.ok(await waitFor(() => seen.aborted > before, 200), 'the stream did not stop within 20 s of the client leaving');
  });
});
