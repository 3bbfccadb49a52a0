/**
 * The one store `coffer at <store> ui` serves: opened once (passphrase asked only when it
 * is encrypted, identity checked, shared reader lock), kept open while the viewer runs and
 * closed when it stops. Its StoreApi is the operations layer's (agent/src/ops); until that
 * layer is merged, every call answers UNIMPLEMENTED naming the method.
 */
import { status } from '@grpc/grpc-js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { StoreApi } from '@coffer/shared/store-api.js';
import type { Context, StoreTarget } from './context.js';
import { openReader } from './lock.js';

export interface UiStore {
  readonly api: StoreApi;
  close(): Promise<void>;
}

const METHODS = ['getStoreInfo', 'listStoreSnapshots', 'listTree', 'readFile', 'readArchive', 'locate', 'pathHistory', 'diff', 'diffFile', 'check', 'restore'] as const;

/** Opens `target` for the viewer. */
export async function openUiStore(ctx: Context, _target: StoreTarget): Promise<UiStore> {
  const repo = await openReader(ctx, 'ui');
  const api = Object.fromEntries(METHODS.map((m) => [m, () => Promise.reject(new RpcError(status.UNIMPLEMENTED, `${m}: not served yet`))])) as unknown as StoreApi;
  return { api, close: () => repo.backend.close() };
}
