/** Snapshots agents reported after backups (a summary; the store itself is the truth). */
import type { SnapshotSummary } from '@coffer/shared/gen/coffer/v1/common.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';

interface SnapRow {
  store: string;
  id: string;
  source: string;
  host: string;
  time_ms: number;
  tags: string;
  paths: string;
  files: number;
  bytes: number;
  added_bytes: number;
}

/** The snapshot table. */
export class SnapshotTable {
  constructor(private readonly db: Db) {}

  record(s: SnapshotSummary, jobId: string): void {
    prepared(
      this.db,
      `INSERT OR REPLACE INTO snapshots (store, id, source, host, time_ms, tags, paths, files, bytes, added_bytes, job_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(s.store, s.id, s.source, s.host, s.timeMs, JSON.stringify(s.tags), JSON.stringify(s.paths), s.files, s.bytes, s.addedBytes, jobId);
  }

  /** Forgets snapshots a forget job removed from the store (ids may be full or the store's full ids). */
  remove(store: string, ids: readonly string[]): number {
    let n = 0;
    for (const id of ids) n += prepared(this.db, 'DELETE FROM snapshots WHERE store = ? AND id = ?').run(store, id).changes;
    return n;
  }

  list(store: string): SnapshotSummary[] {
    return (prepared(this.db, 'SELECT * FROM snapshots WHERE store = ? ORDER BY time_ms').all(store) as SnapRow[]).map((r) => ({
      id: r.id,
      store: r.store,
      source: r.source,
      host: r.host,
      timeMs: r.time_ms,
      tags: parseJson<string[]>(r.tags, []),
      paths: parseJson<string[]>(r.paths, []),
      files: r.files,
      bytes: r.bytes,
      addedBytes: r.added_bytes,
    }));
  }

  /** Per store: snapshots, their logical and added bytes, the newest one's time. */
  usage(): { store: string; snapshots: number; logicalBytes: number; addedBytes: number; lastSnapshotMs: number }[] {
    return prepared(
      this.db,
      'SELECT store, COUNT(*) AS snapshots, SUM(bytes) AS logicalBytes, SUM(added_bytes) AS addedBytes, MAX(time_ms) AS lastSnapshotMs FROM snapshots GROUP BY store',
    ).all() as { store: string; snapshots: number; logicalBytes: number; addedBytes: number; lastSnapshotMs: number }[];
  }

  /** Time of the last snapshot of each source (for "age of the last successful backup"). */
  lastBySource(): Map<string, number> {
    const rows = prepared(this.db, "SELECT source, MAX(time_ms) AS t FROM snapshots WHERE source != '' GROUP BY source").all() as { source: string; t: number }[];
    return new Map(rows.map((r) => [r.source, r.t]));
  }
}
