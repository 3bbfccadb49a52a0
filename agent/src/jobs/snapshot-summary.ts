/**
 * The SnapshotSummary a backup job reports, from the `backup --json` summary line
 * (`snapshot_id`, counts, `time`, `host`, `tags`, `source.location`, `storedBytes`).
 * `added_bytes` is what the backup wrote to the store: new data after deduplication,
 * compression and encryption.
 */
import type { SnapshotSummary } from '@coffer/shared/gen/coffer/v1/common.js';

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Converts a backup summary line; undefined when it names no snapshot. */
export function snapshotSummaryOf(summary: Readonly<Record<string, unknown>>, store: string, source: string): SnapshotSummary | undefined {
  const id = text(summary.snapshot_id);
  if (id === '') return undefined;
  const time = Date.parse(text(summary.time));
  const from = summary.source as { location?: unknown } | undefined;
  const location = text(from?.location);
  return {
    id,
    store,
    source,
    host: text(summary.host),
    timeMs: Number.isNaN(time) ? 0 : time,
    tags: Array.isArray(summary.tags) ? summary.tags.filter((t): t is string => typeof t === 'string') : [],
    paths: location ? [location] : [],
    files: count(summary.files),
    bytes: count(summary.bytes),
    addedBytes: count(summary.storedBytes),
  };
}
