/**
 * StoreService (proto/coffer/v1/store.proto) as a transport-neutral interface: what the
 * agent's operations layer implements for one store it opened (agent/src/ops), what
 * `coffer at <store> ui` serves to its browser, and what the controller forwards to an
 * agent for the console. Method names are the generated camelCase names, so a
 * `StoreApi` serves `StoreServiceDefinition` (rpc/service.ts) by name.
 *
 * Guarantees of every implementation:
 *  - Reads only: nothing but Restore writes, and Restore writes only to its target.
 *  - Paging and sorting happen here, not in the browser: a folder of 100,000 entries costs
 *    one sorted listing per (snapshot, path, sort) kept for a while, and each page is cut
 *    from it.
 *  - Unknown store, snapshot or path: RpcError NOT_FOUND naming it; a bad field:
 *    INVALID_ARGUMENT naming the field; damage: DATA_LOSS naming the object, or, where a
 *    listing can go on, the damaged folders in the response's `damaged`.
 *  - Streams (ReadFile, Check, Restore) stop when `ctx.signal` aborts.
 */
import type {
  CheckEvent,
  CheckRequest,
  DiffFileRequest,
  DiffFileResponse,
  DiffRequest,
  DiffResponse,
  FileChunk,
  ListStoreSnapshotsRequest,
  ListStoreSnapshotsResponse,
  ListTreeRequest,
  ListTreeResponse,
  LocateRequest,
  LocateResponse,
  PathHistoryRequest,
  PathHistoryResponse,
  ReadArchiveRequest,
  ReadFileRequest,
  RestoreEvent,
  StoreInfo,
  StoreInfoRequest,
  StoreRestoreRequest,
} from './gen/coffer/v1/store.js';
import type { CallContext } from './rpc/service.js';

export interface StoreApi {
  getStoreInfo(req: StoreInfoRequest, ctx: CallContext): Promise<StoreInfo>;
  listStoreSnapshots(req: ListStoreSnapshotsRequest, ctx: CallContext): Promise<ListStoreSnapshotsResponse>;
  listTree(req: ListTreeRequest, ctx: CallContext): Promise<ListTreeResponse>;
  readFile(req: ReadFileRequest, ctx: CallContext): AsyncIterable<FileChunk>;
  locate(req: LocateRequest, ctx: CallContext): Promise<LocateResponse>;
  pathHistory(req: PathHistoryRequest, ctx: CallContext): Promise<PathHistoryResponse>;
  diff(req: DiffRequest, ctx: CallContext): Promise<DiffResponse>;
  diffFile(req: DiffFileRequest, ctx: CallContext): Promise<DiffFileResponse>;
  check(req: CheckRequest, ctx: CallContext): AsyncIterable<CheckEvent>;
  readArchive(req: ReadArchiveRequest, ctx: CallContext): AsyncIterable<FileChunk>;
  restore(req: StoreRestoreRequest, ctx: CallContext): AsyncIterable<RestoreEvent>;
}
