/**
 * What a store session has loaded: the index and the snapshot list, and bringing them up
 * to date with the store's `index/` and `snapshots/` listings. Guarantees:
 *  - Index files added since the last look are read and added; when one was removed
 *    (maintenance rewrote the index), the index is loaded anew on a fresh handle
 *    (Repository.reopened: same keys, no passphrase asked again).
 *  - Only snapshot files not seen before are read; removed ones are dropped.
 *  - Damaged index and snapshot files are skipped and reported once through the
 *    repository's `warn`, as Repository.loadIndex and scanSnapshots do; damaged snapshot
 *    files are remembered so that a reference to one says so.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { type Repository, snapshotError } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';

/** Counts shared by the sessions of a cache (for tests and the debug log). */
export interface SessionCounters {
  /** Stores opened (config read, keys unlocked). */
  opens: number;
  /** Full index loads. */
  indexLoads: number;
}

function byTime(a: SnapshotRecord, b: SnapshotRecord): number {
  const x = a.snapshot.time;
  const y = b.snapshot.time;
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The loaded index and snapshots of one store. */
export class StoreContents {
  private indexNames = new Set<string>();
  private readonly records = new Map<string, SnapshotRecord>();
  /** Damaged snapshot files by name. */
  readonly damaged = new Map<string, CofferError>();
  private sorted: readonly SnapshotRecord[] = [];

  constructor(
    public repo: Repository,
    private readonly counters: SessionCounters,
    private readonly log: (line: string) => void,
  ) {}

  /** The intact snapshots, oldest first. */
  get snapshots(): readonly SnapshotRecord[] {
    return this.sorted;
  }

  /** Loads the whole index (on the current handle, which must have none loaded). */
  async loadIndex(): Promise<number> {
    const t0 = Date.now();
    const names = await this.repo.loadIndex();
    this.indexNames = new Set([...names, ...this.repo.damagedIndexFiles.keys()]);
    this.counters.indexLoads++;
    return Date.now() - t0;
  }

  /** Brings index and snapshots up to date with the store's listings. */
  async refresh(): Promise<void> {
    const [index, snaps] = await Promise.all([this.repo.backend.list('index'), this.repo.backend.list('snapshot')]);
    const now = new Set(index.map((f) => f.name));
    if ([...this.indexNames].some((n) => !now.has(n))) {
      this.repo = this.repo.reopened();
      this.log(`store index changed: reloaded in ${await this.loadIndex()} ms`);
    } else {
      for (const name of now) if (!this.indexNames.has(name)) await this.addIndexFile(name);
    }
    await this.syncSnapshots(snaps.map((f) => f.name));
  }

  private async addIndexFile(name: string): Promise<void> {
    try {
      this.repo.index.addPacks(await this.repo.readIndexFile(name));
    } catch (err) {
      const e = CofferError.from(err);
      if (e.code === ErrorCode.NotFound) return; // removed meanwhile
      if (e.code !== ErrorCode.Corrupt) throw e;
      this.repo.damagedIndexFiles.set(name, e);
      this.repo.warnOnce(`warning: index file ${name.slice(0, 12)} skipped: ${e.message}; run 'coffer at ${this.repo.backend.location} repair index'`);
    }
    this.indexNames.add(name);
  }

  /** Reads the snapshot files not read before, drops those that are gone. */
  async syncSnapshots(names: readonly string[]): Promise<void> {
    const now = new Set(names);
    let changed = false;
    for (const id of [...this.records.keys(), ...this.damaged.keys()]) {
      if (now.has(id)) continue;
      this.records.delete(id);
      this.damaged.delete(id);
      changed = true;
    }
    for (const name of names) {
      if (this.records.has(name) || this.damaged.has(name)) continue;
      changed = true;
      try {
        this.records.set(name, await this.repo.loadSnapshot(name));
      } catch (err) {
        const e = snapshotError(name, err);
        if (e.code === ErrorCode.NotFound) continue;
        if (e.code !== ErrorCode.Corrupt) throw e;
        this.damaged.set(name, e);
        this.repo.warnOnce(`warning: snapshot file ${name.slice(0, 12)} skipped: ${e.message}; remove it with 'coffer at ${this.repo.backend.location} rm --apply ${name.slice(0, 12)}'`);
      }
    }
    if (changed) this.sorted = [...this.records.values()].sort(byTime);
  }
}
