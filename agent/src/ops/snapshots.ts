/**
 * ListStoreSnapshots: the snapshots filtered by source (its location), host, tags (all of
 * them) and an inclusive time range, sorted by time (default), size, files, source or
 * host (ties by time, then id), ascending or descending, and paged (limit 0: 100, at
 * most 1000, more is cut to 1000); `total` counts the matches before paging. Each carries its summary
 * (files, dirs, bytes, added bytes, duration, errors with their first messages).
 */
import type { CheckSummary, ListStoreSnapshotsRequest, ListStoreSnapshotsResponse, StoreSnapshot } from '@coffer/shared/gen/coffer/v1/store.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import type { SnapshotRecord } from '../engine/snapshot.js';
import { readCheckState } from './check-state.js';
import { filterSnapshots, snapshotTimeMs } from './fields.js';
import type { OpenStore } from './open-store.js';
import { pageBounds, sortKey } from './paging.js';

const SORTS = ['time', 'size', 'files', 'source', 'host'] as const;
type Sort = (typeof SORTS)[number];

interface Row {
  readonly rec: SnapshotRecord;
  readonly timeMs: number;
}

function compare(sort: Sort): (a: Row, b: Row) => number {
  const key = (r: Row): number | string => {
    const s = r.rec.snapshot;
    switch (sort) {
      case 'time':
        return r.timeMs;
      case 'size':
        return s.summary.bytes;
      case 'files':
        return s.summary.files;
      case 'source':
        return s.source.location;
      case 'host':
        return s.host;
    }
  };
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x !== y) return x < y ? -1 : 1;
    if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
    return a.rec.id < b.rec.id ? -1 : a.rec.id > b.rec.id ? 1 : 0;
  };
}

/** A snapshot as the API shows it. */
export function toStoreSnapshot(rec: SnapshotRecord, timeMs = snapshotTimeMs(rec), lastCheck?: CheckSummary): StoreSnapshot {
  const s = rec.snapshot;
  return {
    id: rec.id,
    parent: s.parent ?? '',
    timeMs,
    host: s.host,
    user: s.user,
    source: s.source.location,
    tags: [...s.tags],
    paths: [s.source.location],
    files: s.summary.files,
    dirs: s.summary.dirs,
    bytes: s.summary.bytes,
    addedBytes: s.summary.newBytes,
    durationMs: s.summary.durationMs,
    errors: s.summary.errors,
    errorList: s.errors.map((e) => ({ path: e.path, error: e.message })),
    lastCheck,
  };
}

export async function listStoreSnapshots(store: OpenStore, req: ListStoreSnapshotsRequest, _ctx: CallContext, env: NodeJS.ProcessEnv = process.env): Promise<ListStoreSnapshotsResponse> {
  const checks = readCheckState(store.repo.config.id, env)?.snapshots ?? {};
  const sort = sortKey(req.sort, SORTS);
  const { start, end } = pageBounds(req.offset, req.limit, 100, 1000);
  const rows: Row[] = filterSnapshots(await store.snapshots(), req)
    .filter((rec) => (req.host === '' || rec.snapshot.host === req.host) && req.tags.every((t) => rec.snapshot.tags.includes(t)))
    .map((rec) => ({ rec, timeMs: snapshotTimeMs(rec) }));
  const cmp = compare(sort);
  rows.sort(req.descending ? (a, b) => cmp(b, a) : cmp);
  return { snapshots: rows.slice(start, end).map((r) => toStoreSnapshot(r.rec, r.timeMs, checks[r.rec.id])), total: rows.length };
}
