/**
 * Taking the store lock of a CLI run, in one call from each verb: writers and deleters
 * (`lockStore`), and readers (`openReader`: the store opened with a shared lock that is
 * released when the store is closed, unless `--no-lock`, for stores one cannot write to).
 * Locks name this process (host, pid, user, `proc`) and remove at once the blocking locks
 * of processes of this host that are gone (lock-owner.ts), with one line saying so.
 */
import os from 'node:os';
import { describeLock, StoreLock } from '../engine/lock.js';
import { RESERVE_BYTES, RESERVE_NAME } from '../engine/reserve.js';
import { hostName, type Repository } from '../engine/repository.js';
import { AbortableBackend } from '../storage/wrappers/abortable.js';
import { openRepo, type Context } from './context.js';
import { lockOwnerGone, procIdentity } from './lock-owner.js';

/** Takes a lock on `repo` for `operation`, shared or exclusive. */
export function lockStore(ctx: Context, repo: Repository, operation: string, exclusive: boolean): Promise<StoreLock> {
  return takeStoreLock(repo, operation, exclusive, ctx.warn);
}

/** {@link lockStore} for a caller without a CLI context (the agent's store calls): notes go to `warn`. */
export function takeStoreLock(repo: Repository, operation: string, exclusive: boolean, warn: (line: string) => void): Promise<StoreLock> {
  const proc = procIdentity();
  return StoreLock.acquire(
    repo,
    { host: hostName(), pid: process.pid, user: os.userInfo().username, exclusive, operation, ...(proc !== undefined ? { proc } : {}) },
    {
      ownerGone: lockOwnerGone,
      onRemoved: (l) => warn(`note: removed ${describeLock(l)}: that process no longer runs on this host`),
      onReserveUsed: () => warn(`note: the disk of ${repo.backend.location} is full: deleted the store's reserve (locks/${RESERVE_NAME}, ${RESERVE_BYTES / 1024} KiB) to take the lock; it is written again when there is room`),
    },
  );
}

/**
 * Takes a shared lock on `repo` for the reader `operation` (none with `--no-lock`), so
 * that maintenance, forget and rm wait for it; closing the store's backend releases it.
 */
export async function lockReading(ctx: Context, repo: Repository, operation: string): Promise<void> {
  if (ctx.noLock) return;
  const lock = await lockStore(ctx, repo, operation, false);
  if (repo.backend instanceof AbortableBackend) repo.backend.beforeClose(() => lock.release());
}

/** Opens the store for a reader, with its shared lock (see {@link lockReading}). */
export async function openReader(ctx: Context, operation: string): Promise<Repository> {
  const repo = await openRepo(ctx);
  try {
    await lockReading(ctx, repo, operation);
  } catch (err) {
    await repo.backend.close();
    throw err;
  }
  return repo;
}
