/**
 * The StoreApi (shared/src/store-api.ts) of one open store: each method is an operation
 * of this folder, `(store, req, ctx)`, run inside the session's call bracket (the reader
 * lock held and the contents up to date while it runs; a stream holds them until it ends
 * or is dropped). Guarantees: every method of StoreService is present; `opts.ops`
 * replaces operations (the agent's Check with its own state folder, and tests).
 */
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import { check } from './check.js';
import { diff } from './diff.js';
import { diffFile } from './diff-file.js';
import { pathHistory } from './history.js';
import { restore } from './restore.js';
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
  /** Where check results are remembered and read (an agent's: its data folder's state). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The built-in operations, remembering check results in the state folder of `env`. */
export const storeOps = (env: NodeJS.ProcessEnv = process.env): StoreOps => ({
  getStoreInfo: (store, req, ctx) => getStoreInfo(store, req, ctx, env),
  listStoreSnapshots: (store, req, ctx) => listStoreSnapshots(store, req, ctx, env),
  listTree,
  readFile,
  readArchive,
  locate: (store, req, ctx) => locate(store, req, ctx),
  pathHistory,
  diff,
  diffFile,
  check: (store, req, ctx) => check(store, req, ctx, { env }),
  restore,
});

/** The built-in operations (check results in the state folder of this process's environment). */
export const STORE_OPS: StoreOps = storeOps();

/** The StoreApi of `session`. */
export function createStoreApi(session: ApiSession, opts: StoreApiOptions = {}): StoreApi {
  const ops: StoreOps = { ...(opts.env ? storeOps(opts.env) : STORE_OPS), ...opts.ops };
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
