/**
 * What every operation of the ops layer works on: a store opened for reading, its index
 * loaded, and its snapshot list (kept fresh by the session that owns it, store-session.ts).
 * Operations never open, lock or close a store themselves; the session does, so the CLI,
 * the job runner, the local viewer and the agent's StoreCall handler share one way to open.
 */
import type { Repository } from '../engine/repository.js';
import type { SnapshotRecord } from '../engine/snapshot.js';

export interface OpenStore {
  /** The store; its index is loaded before any operation gets it. */
  readonly repo: Repository;
  /** A name for messages (`@name`, the path or URL as given). */
  readonly display: string;
  /** The intact snapshots, oldest first; refreshed when snapshots were added or removed. */
  snapshots(): Promise<readonly SnapshotRecord[]>;
  /** Resolves a snapshot id or unique prefix (or "latest"); RpcError NOT_FOUND otherwise. */
  snapshot(ref: string): Promise<SnapshotRecord>;
}
