/**
 * A store opened once for many calls (the local viewer, the agent's StoreCall handler):
 * config read and keys unlocked once (argon2id once), index and snapshot list loaded
 * once. Guarantees:
 *  - Every call runs between `enter()` and the function it returns (or inside `run` /
 *    `stream`). The first call takes the shared reader lock (the injected `lock`); it is
 *    kept while calls keep coming and released `lockIdleMs` (30 s) after the last one
 *    ends, so maintenance can run while a viewer sits idle. When it is taken again, the
 *    store's `index/` and `snapshots/` listings are compared with what is loaded and the
 *    differences loaded (store-contents.ts); while it is held, new snapshots of backups
 *    running meanwhile are looked for at most every `refreshEveryMs`.
 *  - Without `lock` (stores this user cannot write to) no lock is taken and the listings
 *    are compared at most every `refreshEveryMs`.
 *  - With `idleCloseMs`, the session closes itself that long after its last call.
 *  - `close()` releases the lock and the backend; calls after it fail UNAVAILABLE.
 *  - Passphrases are used, never kept by the session, and never logged.
 * The store's identity checks (cli/store-trust.ts) come in as `checks`, so ops does not
 * depend on the CLI.
 */
import { status } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import { type PassphraseSource, Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import type { OpenChecks } from '../engine/store-config.js';
import type { StorageBackend } from '../storage/backend.js';
import { type BackendOptions, openBackend } from '../storage/registry.js';
import type { OpenStore } from './open-store.js';
import { resolveSnapshotRef } from './snapshot-ref.js';
import { type SessionCounters, StoreContents } from './store-contents.js';

export type { SessionCounters } from './store-contents.js';

/** A held lock. */
export interface LockHandle {
  release(): Promise<void>;
}

/** Takes the shared reader lock on a store (the CLI passes its lockStore). */
export type ReaderLock = (repo: Repository) => Promise<LockHandle>;

/** How to open a store session. */
export interface StoreSessionOptions {
  /** The backend location (path or URL). */
  readonly location: string;
  /** Backend options (a named store's settings). */
  readonly options?: BackendOptions;
  /** The store's name for messages; defaults to the location. */
  readonly display?: string;
  /** The passphrase, or where to get it (asked only when the store is encrypted). */
  readonly passphrase?: string | PassphraseSource;
  /** The store's identity checks (cli/store-trust.ts storeTrust). */
  readonly checks?: OpenChecks;
  /** The shared reader lock; without it none is taken. */
  readonly lock?: ReaderLock;
  /** @default 30000 */
  readonly lockIdleMs?: number;
  /** Close the session this long after the last call; never when absent. */
  readonly idleCloseMs?: number;
  /** @default 5000 */
  readonly refreshEveryMs?: number;
  readonly warn?: (line: string) => void;
  /** Debug lines (`store opened (index loaded in N ms)`). */
  readonly log?: (line: string) => void;
  /** Counts of opens and index loads; a cache shares one among its sessions. */
  readonly counters?: SessionCounters;
  /** Told once when the session has closed. */
  readonly onClose?: () => void;
  /** Opens the backend (the CLI's: stopped by its SIGINT/SIGTERM). @default storage/registry.ts openBackend */
  readonly openBackend?: (location: string, options: BackendOptions) => Promise<StorageBackend>;
}

const LOCK_IDLE_MS = 30_000;
const REFRESH_EVERY_MS = 5_000;

function passphraseSource(p: StoreSessionOptions['passphrase'], display: string): PassphraseSource {
  if (typeof p === 'function') return p;
  if (typeof p === 'string') return () => Promise.resolve(p);
  return () => Promise.reject(new CofferError(ErrorCode.WrongPassphrase, `${display} is encrypted and no passphrase was given for it; configure its passphrase`));
}

/** A store kept open for calls; an {@link OpenStore} for the operations. */
export class StoreSession implements OpenStore {
  readonly display: string;
  private active = 0;
  private held: LockHandle | undefined;
  private preparing: Promise<void> | undefined;
  private checkedAt = 0;
  private lockTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly contents: StoreContents,
    private readonly opts: StoreSessionOptions,
  ) {
    this.display = opts.display ?? opts.location;
  }

  /** Opens the store, takes the lock for the first load, loads index and snapshots. */
  static async open(opts: StoreSessionOptions): Promise<StoreSession> {
    const display = opts.display ?? opts.location;
    const counters = opts.counters ?? { opens: 0, indexLoads: 0 };
    const log = opts.log ?? ((): void => undefined);
    const backend = await (opts.openBackend ?? openBackend)(opts.location, opts.options ?? {});
    let session: StoreSession | undefined;
    try {
      const repo = await Repository.open(backend, passphraseSource(opts.passphrase, display), opts.checks);
      repo.warn = opts.warn ?? ((): void => undefined);
      counters.opens++;
      session = new StoreSession(new StoreContents(repo, counters, log), { ...opts, counters });
      const done = await session.enter(true);
      done();
      return session;
    } catch (err) {
      if (session) await session.close();
      else await backend.close();
      throw err;
    }
  }

  /** The store, index loaded. */
  get repo(): Repository {
    return this.contents.repo;
  }

  /** Whether a call is running or the lock is held (for tests and logs). */
  get lockHeld(): boolean {
    return this.held !== undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  snapshots(): Promise<readonly SnapshotRecord[]> {
    return Promise.resolve(this.contents.snapshots);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async: a bad reference rejects, never throws
  async snapshot(ref: string): Promise<SnapshotRecord> {
    return resolveSnapshotRef(this.contents.snapshots, this.contents.damaged, ref, this.display);
  }

  /**
   * Starts a call: takes the lock when it is not held, brings the contents up to date
   * when due. Returns the function that ends the call (call it exactly once).
   */
  async enter(first = false): Promise<() => void> {
    if (this.closed) throw new RpcError(status.UNAVAILABLE, `the store ${this.display} was closed; open it again`);
    this.active++;
    this.clearTimers();
    try {
      this.preparing ??= this.prepare(first).finally(() => (this.preparing = undefined));
      await this.preparing;
    } catch (err) {
      this.exit();
      throw err;
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.exit();
    };
  }

  /** Runs one unary call inside enter/exit. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const done = await this.enter();
    try {
      return await fn();
    } finally {
      done();
    }
  }

  /** Runs one streaming call; the call starts with the first read and ends when the stream ends or is dropped. */
  async *stream<T>(fn: () => AsyncIterable<T>): AsyncGenerator<T> {
    const done = await this.enter();
    try {
      yield* fn();
    } finally {
      done();
    }
  }

  private async prepare(first: boolean): Promise<void> {
    let taken = false;
    if (this.opts.lock && !this.held) {
      this.held = await this.opts.lock(this.contents.repo);
      taken = true;
    }
    if (first) {
      const ms = await this.contents.loadIndex();
      await this.contents.refresh();
      this.opts.log?.(`store opened (index loaded in ${ms} ms)`);
    } else if (taken || Date.now() - this.checkedAt >= (this.opts.refreshEveryMs ?? REFRESH_EVERY_MS)) {
      await this.contents.refresh();
    }
    this.checkedAt = Date.now();
  }

  private exit(): void {
    this.active--;
    if (this.active > 0 || this.closed) return;
    if (this.held) {
      this.lockTimer = setTimeout(() => void this.releaseLock(), this.opts.lockIdleMs ?? LOCK_IDLE_MS);
      this.lockTimer.unref();
    }
    if (this.opts.idleCloseMs !== undefined) {
      this.closeTimer = setTimeout(() => void this.close(), this.opts.idleCloseMs);
      this.closeTimer.unref();
    }
  }

  private clearTimers(): void {
    clearTimeout(this.lockTimer);
    clearTimeout(this.closeTimer);
    this.lockTimer = this.closeTimer = undefined;
  }

  private async releaseLock(force = false): Promise<void> {
    if (this.active > 0 && !force) return;
    const lock = this.held;
    this.held = undefined;
    await lock?.release().catch((err: unknown) => this.opts.warn?.(`warning: cannot release the lock on ${this.display}: ${(err as Error).message}`));
  }

  /** Releases the lock and the backend. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    await this.preparing?.catch(() => undefined);
    await this.releaseLock(true);
    await this.contents.repo.backend.close();
    this.opts.onClose?.();
  }
}

/** Opens a store session (see {@link StoreSession}). */
export function openStoreSession(opts: StoreSessionOptions): Promise<StoreSession> {
  return StoreSession.open(opts);
}
