/**
 * Taking the store lock of a CLI run, in one call from each verb: writers and deleters
 * (`lockStore`), and readers (`openReader`: the store opened with a shared lock that is
 * released when the store is closed, unless `--no-lock`, for stores one cannot write to).
 * The locking itself is ops/store-lock.ts; opening is ops/open-store.ts.
 */
import type { StoreLock } from '../engine/lock.js';
import type { Repository } from '../engine/repository.js';
import { openStore } from '../ops/open-store.js';
import { StoreSession } from '../ops/store-session.js';
import { lockForReading, takeLock } from '../ops/store-lock.js';
import { openRequest, storeTarget, type Context } from './context.js';

/** Takes a lock on `repo` for `operation`, shared or exclusive. */
export function lockStore(ctx: Context, repo: Repository, operation: string, exclusive: boolean): Promise<StoreLock> {
  return takeLock(repo, operation, exclusive, ctx.warn);
}

/**
 * Takes a shared lock on `repo` for the reader `operation` (none with `--no-lock`), so
 * that maintenance, forget and rm wait for it; closing the store's backend releases it.
 */
export async function lockReading(ctx: Context, repo: Repository, operation: string): Promise<void> {
  if (!ctx.noLock) await lockForReading(repo, operation, ctx.warn);
}

/** Opens the store for a reader, with its shared lock (see {@link lockReading}). */
export function openReader(ctx: Context, operation: string): Promise<Repository> {
  return openStore(openRequest(ctx, storeTarget(ctx), ctx.passphraseFile, ctx.noLock ? undefined : operation));
}

/** Like {@link openReader}, as a session of the operations layer (ops/store-session.ts); the caller closes it. */
export async function openReaderSession(ctx: Context, operation: string): Promise<StoreSession> {
  return new StoreSession(await openReader(ctx, operation), { env: ctx.env, signal: ctx.signal });
}
