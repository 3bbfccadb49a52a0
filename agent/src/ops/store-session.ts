/**
 * A store opened for reading once and kept: the Repository (keys unwrapped, shared lock
 * held since openStore), its snapshot list and its index, loaded when first needed and
 * then kept, so that later calls pay neither the key derivation nor the index load.
 *
 * Guarantees:
 *  - The snapshot list follows the store: it is re-listed (one listing of `snapshots/`;
 *    snapshot files are immutable, so only new ones are read) when it is older than
 *    `refreshMs`, so a backup made meanwhile shows up and a removed snapshot disappears.
 *    When new snapshots appeared, index files not read yet are read before the next tree
 *    is loaded, so the new snapshots' data is found.
 *  - Concurrent callers share one listing and one index load.
 *  - `close` releases the lock and the backend; it is idempotent.
 * Errors are CofferErrors (NotFound, Usage, Corrupt) with the engine's messages.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { matchSnapshot, readableSnapshot, type Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';

/** Options of a {@link StoreSession}. */
export interface StoreSessionOptions {
  /** For the state folder (check results: COFFER_STATE_DIR, XDG_STATE_HOME). */
  readonly env: NodeJS.ProcessEnv;
  /** The store's name for answers (StoreInfo.store). @default the location */
  readonly name?: string;
  /** The snapshot list is re-read when older than this. @default 2000 */
  readonly refreshMs?: number;
  /** A run's signal (CLI): long operations stop when it aborts. */
  readonly signal?: AbortSignal;
}

/** The snapshots of a store: readable ones oldest first, and the damaged snapshot files. */
export interface SnapshotList {
  readonly intact: readonly SnapshotRecord[];
  readonly damaged: ReadonlyMap<string, CofferError>;
}

/** A store opened for reading, kept open. */
export class StoreSession {
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal | undefined;
  private readonly refreshMs: number;
  private list: SnapshotList | undefined;
  private listedAt = -Infinity;
  private listing: Promise<SnapshotList> | undefined;
  private readonly indexRead = new Set<string>();
  private indexing: Promise<void> | undefined;
  private indexStale = true;
  private indexLoaded = false;
  private closed: Promise<void> | undefined;

  constructor(
    readonly repo: Repository,
    opts: StoreSessionOptions,
  ) {
    this.name = opts.name ?? repo.backend.location;
    this.env = opts.env;
    this.signal = opts.signal;
    this.refreshMs = opts.refreshMs ?? 2000;
  }

  /** Where the store is (never holds secrets). */
  get location(): string {
    return this.repo.backend.location;
  }

  /** The snapshots, re-listed when the list is older than `refreshMs`. */
  snapshots(): Promise<SnapshotList> {
    if (this.list && performance.now() - this.listedAt < this.refreshMs) return Promise.resolve(this.list);
    this.listing ??= this.relist().finally(() => {
      this.listing = undefined;
    });
    return this.listing;
  }

  private async relist(): Promise<SnapshotList> {
    const known = new Map((this.list?.intact ?? []).map((r) => [r.id, r]));
    const started = performance.now();
    const { intact, damaged } = await this.repo.scanSnapshots(() => undefined, known);
    if (intact.some((r) => !known.has(r.id))) this.indexStale = true;
    this.list = { intact, damaged };
    this.listedAt = started;
    return this.list;
  }

  /**
   * The readable snapshot `ref` names (`latest`, an id or a unique prefix): NotFound for
   * none, Usage for a malformed or ambiguous one, Corrupt for a damaged snapshot file.
   */
  async resolve(ref: string): Promise<SnapshotRecord> {
    return readableSnapshot(matchSnapshot(ref, await this.snapshots(), this.location), this.location);
  }

  /** Loads the index (the first time), or the index files not read yet (after new snapshots appeared). */
  async ready(): Promise<void> {
    if (!this.indexStale) return;
    this.indexing ??= this.loadIndex().finally(() => {
      this.indexing = undefined;
    });
    await this.indexing;
  }

  private async loadIndex(): Promise<void> {
    this.indexStale = false;
    try {
      await this.loadNewIndexFiles();
    } catch (err) {
      this.indexStale = true;
      throw err;
    }
  }

  private async loadNewIndexFiles(): Promise<void> {
    if (!this.indexLoaded) {
      for (const n of await this.repo.loadIndex()) this.indexRead.add(n);
      for (const n of this.repo.damagedIndexFiles.keys()) this.indexRead.add(n);
      this.indexLoaded = true;
      return;
    }
    for (const f of await this.repo.backend.list('index')) {
      if (this.indexRead.has(f.name)) continue;
      this.indexRead.add(f.name);
      try {
        this.repo.index.addPacks(await this.repo.readIndexFile(f.name));
      } catch (err) {
        const e = CofferError.from(err);
        if (e.code !== ErrorCode.NotFound && e.code !== ErrorCode.Corrupt) throw e;
        if (e.code === ErrorCode.Corrupt) this.repo.warnOnce(`warning: index file ${f.name.slice(0, 12)} skipped: ${e.message}`);
      }
    }
  }

  /** Releases the lock and the backend. Idempotent. */
  close(): Promise<void> {
    this.closed ??= this.repo.backend.close();
    return this.closed;
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed !== undefined;
  }
}
