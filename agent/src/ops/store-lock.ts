/**
 * Taking a store lock for this process: writers and deleters (exclusive or shared), and
 * readers (a shared lock released when the store's backend is closed). Locks name this
 * process (host, pid, user, `proc`) and remove at once the blocking locks of processes of
 * this host that are gone (lock-owner.ts), saying so in one line through `warn`.
 */
import os from 'node:os';
import { describeLock, StoreLock } from '../engine/lock.js';
import { hostName, type Repository } from '../engine/repository.js';
import { AbortableBackend } from '../storage/wrappers/abortable.js';
import { lockOwnerGone, procIdentity } from './lock-owner.js';

/** Takes a lock on `repo` for `operation`, shared or exclusive. */
export function takeLock(repo: Repository, operation: string, exclusive: boolean, warn: (line: string) => void): Promise<StoreLock> {
  const proc = procIdentity();
  return StoreLock.acquire(
    repo,
    { host: hostName(), pid: process.pid, user: os.userInfo().username, exclusive, operation, ...(proc !== undefined ? { proc } : {}) },
    {
      ownerGone: lockOwnerGone,
      onRemoved: (l) => warn(`note: removed ${describeLock(l)}: that process no longer runs on this host`),
    },
  );
}

/**
 * Takes a shared lock on `repo` for the reader `operation`, so that maintenance, forget
 * and rm wait for it; closing the store's backend releases it (the backend must be an
 * AbortableBackend, as openStore makes it; otherwise the lock is returned for the caller
 * to release).
 */
export async function lockForReading(repo: Repository, operation: string, warn: (line: string) => void): Promise<StoreLock> {
  const lock = await takeLock(repo, operation, false, warn);
  if (repo.backend instanceof AbortableBackend) repo.backend.beforeClose(() => lock.release());
  return lock;
}
