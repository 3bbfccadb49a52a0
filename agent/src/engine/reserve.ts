/**
 * The store's reserve: `locks/reserve`, a file of RESERVE_BYTES of random bytes that
 * `create` writes and nothing reads, so that a store whose disk filled up completely can
 * still be freed with coffer alone. An exclusive lock (maintenance, forget, rm) that
 * cannot be written for lack of space deletes the reserve and tries once more; the reserve
 * is written again when such a lock is released and there is room (stores made before
 * the reserve get theirs then). Its name is not a hex id, so listings never show it and
 * sync does not copy it. Writing it is best effort: a failure is never an error.
 */
import { randomBytes } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { StorageBackend } from '../storage/backend.js';

/** The reserve's name in the lock folder. */
export const RESERVE_NAME = 'reserve';

/** Room the reserve frees: enough for a lock file and a new index of what was deleted. */
export const RESERVE_BYTES = 256 * 1024;

/** Writes the reserve when it is missing; says whether the store has one afterwards. */
export async function ensureReserve(backend: StorageBackend): Promise<boolean> {
  try {
    await backend.stat('lock', RESERVE_NAME);
    return true;
  } catch (err) {
    if (!(err instanceof CofferError && err.code === ErrorCode.NotFound)) return false;
  }
  try {
    // Random, so that a compressing file system cannot store it in less.
    await backend.save('lock', RESERVE_NAME, randomBytes(RESERVE_BYTES));
    return true;
  } catch {
    return false;
  }
}

/** Deletes the reserve; says whether there was one. */
export async function releaseReserve(backend: StorageBackend): Promise<boolean> {
  try {
    await backend.remove('lock', RESERVE_NAME);
    return true;
  } catch {
    return false;
  }
}
