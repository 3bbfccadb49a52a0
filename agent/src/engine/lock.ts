/**
 * Store locks. Writers that only add (backup, sync into) take shared locks, so many
 * run at once; operations that delete (rm, forget --apply, maintenance) take an
 * exclusive lock. A lock is a file under `locks/` naming its owner (host, pid, user)
 * and time; it is refreshed every 5 minutes by writing a new file and removing the
 * old one (no overwrite-by-rename, which some SFTP servers refuse). A lock not
 * refreshed for 30 minutes is stale: it is reported with its owner and age, never
 * removed silently; `coffer at STORE unlock` removes stale locks. A lock whose owner is
 * known to be gone at once (the caller injects the judgement, {@link AcquireOptions.ownerGone}:
 * the CLI says so for a process of this host that no longer exists) does not wait for the
 * 30 minutes: the next locker that it would block removes it and says so in one line.
 * Readers (restore, check, cat, …) take shared locks too, so an exclusive locker never
 * deletes from under them.
 */
import { ensureReserve, releaseReserve } from './reserve.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Repository } from './repository.js';

export const LOCK_AAD = Buffer.from('coffer/v1/lock', 'utf8');
/** A lock older than this is stale. */
export const STALE_AFTER_MS = 30 * 60_000;
/** Locks are refreshed this often. */
export const REFRESH_EVERY_MS = 5 * 60_000;

/** What a lock file says. */
export interface LockInfo {
  readonly host: string;
  readonly pid: number;
  readonly user: string;
  readonly time: string;
  readonly exclusive: boolean;
  readonly operation: string;
  /**
   * Which process holds it, more exactly than the pid: `<boot id>/<pid namespace>/<start
   * time>` on Linux (see cli/lock-owner.ts), so that a reused pid or a process of another
   * container with the same host name is never taken for the owner. Absent in locks of
   * older versions and off Linux.
   */
  readonly proc?: string;
}

/** How to take a lock. */
export interface AcquireOptions {
  readonly now?: () => Date;
  /**
   * Whether the owner of a lock found in the store is certainly gone (a process of this
   * host that no longer runs); such a lock is removed instead of blocking. @default never
   */
  readonly ownerGone?: (info: LockInfo) => boolean;
  /** Told about each lock removed because its owner is gone. */
  readonly onRemoved?: (lock: FoundLock) => void;
  /** Told when an exclusive lock could be written only after deleting the store's reserve (reserve.ts). */
  readonly onReserveUsed?: () => void;
}

/** A lock found in the store. */
export interface FoundLock {
  readonly name: string;
  readonly info: LockInfo | undefined;
  readonly ageMs: number;
}

/** Describes a lock for a message. */
export function describeLock(l: FoundLock): string {
  const age = Math.round(l.ageMs / 60_000);
  if (!l.info) return `an unreadable lock ${l.name.slice(0, 12)} (${age} min old)`;
  const kind = l.info.exclusive ? 'exclusive' : 'shared';
  const stale = l.ageMs > STALE_AFTER_MS ? ', stale' : '';
  return `a ${kind} lock held by ${l.info.user}@${l.info.host} pid ${l.info.pid} for '${l.info.operation}' (${age} min old${stale})`;
}

/** Reads every lock in the store. */
export async function listLocks(repo: Repository, nowMs: number): Promise<FoundLock[]> {
  const files = await repo.backend.list('lock');
  const out: FoundLock[] = [];
  for (const f of files) {
    let info: LockInfo | undefined;
    try {
      info = JSON.parse((await repo.loadFile('lock', f.name, LOCK_AAD)).toString('utf8')) as LockInfo;
    } catch (err) {
      if (err instanceof CofferError && err.code === ErrorCode.NotFound) continue; // released meanwhile
      info = undefined;
    }
    const t = info ? Date.parse(info.time) : f.mtimeMs;
    out.push({ name: f.name, info, ageMs: Math.max(0, nowMs - (Number.isNaN(t) ? f.mtimeMs : t)) });
  }
  return out;
}

/** A held lock. */
export class StoreLock {
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  private constructor(
    private readonly repo: Repository,
    private name: string,
    private readonly info: Omit<LockInfo, 'time'>,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes a lock. Fails with Locked when a conflicting lock exists (any lock, for an
   * exclusive request; an exclusive one, for a shared request), naming its owner.
   */
  static async acquire(repo: Repository, info: Omit<LockInfo, 'time'>, opts: AcquireOptions = {}): Promise<StoreLock> {
    const now = opts.now ?? ((): Date => new Date());
    const write = (): Promise<string> => repo.saveFile('lock', Buffer.from(JSON.stringify({ ...info, time: now().toISOString() })), LOCK_AAD);
    let name: string;
    try {
      name = await write();
    } catch (err) {
      // A full disk: an exclusive lock (maintenance, forget, rm: what frees space) may use the reserve.
      if (!(info.exclusive && err instanceof CofferError && err.code === ErrorCode.NoSpace && (await releaseReserve(repo.backend)))) throw err;
      opts.onReserveUsed?.();
      name = await write();
    }
    const lock = new StoreLock(repo, name, info, now);
    const others = (await listLocks(repo, now().getTime())).filter((l) => l.name !== name);
    const blocking = others.filter((l) => info.exclusive || !l.info || l.info.exclusive);
    const gone = blocking.filter((l) => l.info !== undefined && opts.ownerGone?.(l.info) === true);
    for (const l of gone) {
      try {
        await repo.backend.remove('lock', l.name);
      } catch (err) {
        if (!(err instanceof CofferError && err.code === ErrorCode.NotFound)) {
          await repo.backend.remove('lock', name).catch(() => undefined);
          throw err;
        }
      }
      opts.onRemoved?.(l);
    }
    const conflict = blocking.find((l) => !gone.includes(l));
    if (conflict) {
      await repo.backend.remove('lock', name).catch(() => undefined);
      const stale = conflict.ageMs > STALE_AFTER_MS;
      throw new CofferError(
        ErrorCode.Locked,
        `${repo.backend.location} is locked: ${describeLock(conflict)}; ` +
          (stale
            ? `if that process is gone, remove the lock with 'coffer at ${repo.backend.location} unlock'`
            : 'wait for it to finish and retry'),
      );
    }
    lock.timer = setInterval(() => {
      lock.refreshing = lock.refresh().catch(() => undefined);
    }, REFRESH_EVERY_MS);
    lock.timer.unref();
    return lock;
  }

  /** Writes a fresh lock file, then removes the previous one. */
  async refresh(): Promise<void> {
    const old = this.name;
    this.name = await this.repo.saveFile('lock', Buffer.from(JSON.stringify({ ...this.info, time: this.now().toISOString() })), LOCK_AAD);
    await this.repo.backend.remove('lock', old).catch(() => undefined);
  }

  /** Releases the lock; an exclusive one first writes the store's reserve again if it is missing and there is room. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    if (this.info.exclusive) await ensureReserve(this.repo.backend);
    await this.repo.backend.remove('lock', this.name).catch(() => undefined);
  }
}
