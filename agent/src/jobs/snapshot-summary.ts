/**
 * The SnapshotSummary a backup job reports, from the `backup --json` summary line
 * (`snapshot_id`, counts, `time`, `host`, `tags`, `source.location`, `storedBytes`).
 * `added_bytes` is what the backup wrote to the store: new data after deduplication,
 * compression and encryption.
 */
import type { BackupSummary } from '@coffer/shared/events.js';
import type { SnapshotSummary } from '@coffer/shared/gen/coffer/v1/common.js';

function count(v: number): number {
  return v >= 0 ? v : 0;
}

/** Converts a backup summary line. */
export function snapshotSummaryOf(summary: BackupSummary, store: string, source: string): SnapshotSummary {
  const time = Date.parse(summary.time);
  const location = summary.source.location;
  return {
    id: summary.snapshot_id,
    store,
    source,
    host: summary.host,
    timeMs: Number.isNaN(time) ? 0 : time,
    tags: [...summary.tags],
    paths: location ? [location] : [],
    files: count(summary.files),
    bytes: count(summary.bytes),
    addedBytes: count(summary.storedBytes),
  };
}
