/**
 * The one store `coffer at <store> ui` serves: opened once as a session of the operations
 * layer (cli/reader-session.ts: passphrase asked only when it is encrypted, identity
 * checked, the CLI's shared reader lock, none with --no-lock), kept open while the viewer
 * runs and closed when it stops. The session takes the lock for each call and lets it go
 * 30 s after the last one, so maintenance can run while the viewer sits idle. Its StoreApi
 * is the ops layer's; checks remember their result in this run's state folder.
 */
import type { StoreApi } from '@coffer/shared/store-api.js';
import { check } from '../ops/check.js';
import { createStoreApi } from '../ops/store-api.js';
import type { Context } from './context.js';
import { openCliSession } from './reader-session.js';

export interface UiStore {
  readonly api: StoreApi;
  close(): Promise<void>;
}

/** Opens the run's store for the viewer. */
export async function openUiStore(ctx: Context): Promise<UiStore> {
  const session = await openCliSession(ctx, 'ui');
  const api = createStoreApi(session, { ops: { check: (store, req, c) => check(store, req, c, { env: ctx.env }) } });
  return { api, close: () => session.close() };
}
