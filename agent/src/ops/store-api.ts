/**
 * The StoreApi (shared/src/store-api.ts) of one open store: each method is an operation
 * of this folder, `(store, req, ctx)`, run inside the session's call bracket (the reader
 * lock held and the contents up to date while it runs; a stream holds them until it ends
 * or is dropped). Guarantees: every method of StoreService is present; one not built yet
 * fails UNIMPLEMENTED naming it; `opts.ops` replaces operations (the assembly of the other
 * ops helper's methods, and tests).
 */
import { status } from '@grpc/grpc-js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { pathHistory } from './history.js';
import { readArchive } from './archive.js';
import { getStoreInfo } from './info.js';
import { locate } from './locate.js';
import type { OpenStore } from './open-store.js';
import { readFile } from './read-file.js';
import { listStoreSnapshots } from './snapshots.js';
import { listTree } from './tree-list.js';
import type { StoreSession } from './store-session.js';

/** A StoreApi method as an operation on an open store. */
type OpOf<F> = F extends (req: infer Q, ctx: CallContext) => infer R ? (store: OpenStore, req: Q, ctx: CallContext) => R : never;

/** Every StoreService method as an operation `(store, req, ctx)`. */
export type StoreOps = { readonly [K in keyof StoreApi]: OpOf<StoreApi[K]> };

/** What createStoreApi needs of a session. */
export type ApiSession = OpenStore & Pick<StoreSession, 'run' | 'stream'>;

/** Options of {@link createStoreApi}. */
export interface StoreApiOptions {
  /** Operations to use instead of the built-in ones. */
  readonly ops?: Partial<StoreOps>;
}

function unimplemented(method: string): RpcError {
  return new RpcError(status.UNIMPLEMENTED, `${method} is not implemented by this agent yet; update coffer`);
}

function unaryStub(method: string) {
  return (): Promise<never> => Promise.reject(unimplemented(method));
}

function streamStub(method: string) {
  return (): AsyncIterable<never> => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(unimplemented(method)) }),
  });
}

/** The built-in operations. */
export const STORE_OPS: StoreOps = {
  getStoreInfo,
  listStoreSnapshots,
  listTree,
  readFile,
  readArchive,
  locate: (store, req, ctx) => locate(store, req, ctx),
  pathHistory,
  diff: unaryStub('Diff'),
  diffFile: unaryStub('DiffFile'),
  check: streamStub('Check'),
  restore: streamStub('Restore'),
};

/** The StoreApi of `session`. */
export function createStoreApi(session: ApiSession, opts: StoreApiOptions = {}): StoreApi {
  const ops: StoreOps = { ...STORE_OPS, ...opts.ops };
  const unary =
    <Q, R>(op: (store: OpenStore, req: Q, ctx: CallContext) => Promise<R>) =>
    (req: Q, ctx: CallContext): Promise<R> =>
      session.run(() => op(session, req, ctx));
  const stream =
    <Q, R>(op: (store: OpenStore, req: Q, ctx: CallContext) => AsyncIterable<R>) =>
    (req: Q, ctx: CallContext): AsyncIterable<R> =>
      session.stream(() => op(session, req, ctx));
  return {
    getStoreInfo: unary(ops.getStoreInfo),
    listStoreSnapshots: unary(ops.listStoreSnapshots),
    listTree: unary(ops.listTree),
    readFile: stream(ops.readFile),
    readArchive: stream(ops.readArchive),
    locate: unary(ops.locate),
    pathHistory: unary(ops.pathHistory),
    diff: unary(ops.diff),
    diffFile: unary(ops.diffFile),
    check: stream(ops.check),
    restore: stream(ops.restore),
  };
}
