/**
 * Unit tests of the grpc-js adapter (shared/src/rpc/grpc-adapter.ts): the same kind of
 * transport-neutral StoreService implementation the Connect server serves, on a real
 * grpc-js server on loopback: unary answers (partial responses completed), errors as their
 * status without internals, streams, an error in the middle of a stream, and a cancelled
 * call stopping a handler that waits for a client that does not read.
 */
import assert from 'node:assert/strict';
import { credentials, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { StoreServiceClient, StoreServiceDefinition, StoreServiceService, type FileChunk, type ReadFileRequest, type StoreInfo, type StoreInfoRequest } from '@coffer/shared/gen/coffer/v1/store.js';
import { toGrpcImplementation } from '@coffer/shared/rpc/grpc-adapter.js';
import { notFoundRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { waitFor } from '../helpers/http-client.js';

describe('gRPC adapter (shared/src/rpc/grpc-adapter.ts)', () => {
  let server: Server;
  let client: StoreServiceClient;
  const seen = { made: 0, aborted: 0, principal: '' };
  const internal: string[] = [];

  const impl = {
    getStoreInfo(req: StoreInfoRequest, ctx: CallContext): Promise<Partial<StoreInfo>> {
      seen.principal = ctx.principal?.name ?? '';
      if (req.store === 'missing') return Promise.reject(notFoundRpc('store', req.store, "run 'coffer store list'"));
      if (req.store === 'boom') return Promise.reject(new Error('secret detail'));
      return Promise.resolve({ store: req.store, snapshots: 2 });
    },
    async *readFile(req: ReadFileRequest, ctx: CallContext): AsyncIterable<Partial<FileChunk>> {
      await Promise.resolve();
      if (req.path === 'endless') {
        try {
          for (let i = 0; i < 100_000 && !ctx.signal.aborted; i++) {
            seen.made++;
            yield { offset: i * 65536, data: Buffer.alloc(65536, 7) };
          }
        } finally {
          if (ctx.signal.aborted) seen.aborted++;
        }
        return;
      }
      yield { data: Buffer.from('ab'), fileSize: 4 };
      if (req.path === 'broken') throw new RpcError(status.DATA_LOSS, 'pack damaged');
      yield { offset: 2, data: Buffer.from('cd') };
    },
  };

  before(async () => {
    server = new Server();
    server.addService(
      StoreServiceService,
      toGrpcImplementation(StoreServiceDefinition, impl, {
        authenticate: () => Promise.resolve({ name: 'tok', role: 'admin' }),
        onInternalError: (path, err) => internal.push(`${path} ${(err as Error).message}`),
      }),
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    client = new StoreServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  const info = (store: string): Promise<StoreInfo> =>
    new Promise((resolve, reject) => client.getStoreInfo({ store }, (e, r) => (e ? reject(e) : resolve(r))));

  const chunks = (path: string): Promise<{ got: FileChunk[]; error?: ServiceError }> =>
    new Promise((resolve) => {
      const got: FileChunk[] = [];
      const call = client.readFile({ store: '', snapshot: '', path, offset: 0, length: 0 });
      call.on('data', (c: FileChunk) => got.push(c));
      call.on('error', (error: ServiceError) => resolve({ got, error }));
      call.on('end', () => resolve({ got }));
    });

  it('answers a unary call, completing what the handler left out', async () => {
    const r = await info('main');
    assert.equal(r.store, 'main');
    assert.equal(r.snapshots, 2);
    assert.equal(r.location, '');
    assert.equal(seen.principal, 'tok');
  });

  it('reports an RpcError as its status and an unexpected error as INTERNAL without details', async () => {
    await assert.rejects(info('missing'), (e: ServiceError) => e.code === status.NOT_FOUND && /store 'missing' does not exist/.test(e.details));
    await assert.rejects(info('boom'), (e: ServiceError) => e.code === status.INTERNAL && !e.details.includes('secret'));
    assert.ok(internal.some((l) => l.includes('secret')));
  });

  it('streams messages and ends a failed stream with the error status', async () => {
    const ok = await chunks('f');
    assert.equal(ok.error, undefined);
    assert.deepEqual(ok.got.map((c) => c.data.toString()), ['ab', 'cd']);
    const bad = await chunks('broken');
    assert.deepEqual(bad.got.map((c) => c.data.toString()), ['ab']);
    assert.equal(bad.error?.code, status.DATA_LOSS);
    assert.equal(bad.error?.details, 'pack damaged');
  });

  it('stops a handler waiting for a client that does not read when the call is cancelled', async () => {
    const call = client.readFile({ store: '', snapshot: '', path: 'endless', offset: 0, length: 0 });
    call.on('error', () => undefined);
    call.on('data', () => call.pause());
    let last = -1;
    for (let i = 0; i < 100 && seen.made !== last; i++) {
      last = seen.made;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(seen.made, last, 'the stream never stalled for a client that does not read');
    call.cancel();
    assert.ok(await waitFor(() => seen.aborted > 0, 200), 'the handler did not stop within 20 s of the cancel');
  });
});
