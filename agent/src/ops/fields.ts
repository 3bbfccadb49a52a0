/**
 * Checking the fields of StoreService requests the same way in every operation: paths
 * inside a snapshot ('/'-separated, no '..' part, no NUL; '' is the root), limits (0 is
 * the default, larger than the maximum is cut to it), snapshot filters by source and
 * time. A bad field is RpcError INVALID_ARGUMENT naming it. Pure.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { invalidRpc } from '@coffer/shared/rpc/errors.js';
import type { SnapshotRecord } from '../engine/snapshot.js';

/** A path field normalised (no leading or trailing '/', no '.' parts); '..' or NUL refused. */
export function pathField(field: string, value: string): string {
  if (value.includes('\0')) throw invalidRpc(field, 'a path cannot hold a NUL character');
  const parts = value.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.includes('..')) throw invalidRpc(field, `'..' is not allowed in snapshot paths (got '${value}')`);
  return parts.join('/');
}

/** A limit: 0 gives `dflt`, more than `max` gives `max`. */
export function limitField(value: number, dflt: number, max: number): number {
  if (!Number.isFinite(value) || value <= 0) return dflt;
  return Math.min(Math.floor(value), max);
}

/** The source a snapshot was taken from, as StoreService names it (its location). */
export function snapshotSource(s: SnapshotRecord): string {
  return s.snapshot.source.location;
}

/** The snapshot's time in ms since the epoch. */
export function snapshotTimeMs(s: SnapshotRecord): number {
  return Date.parse(s.snapshot.time);
}

/** Snapshot filters of a request: source ('' any), inclusive time bounds (0 open). */
export interface SnapshotFilter {
  readonly source?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/** The snapshots passing a filter, in their order. */
export function filterSnapshots(snaps: readonly SnapshotRecord[], f: SnapshotFilter): SnapshotRecord[] {
  return snaps.filter((s) => {
    if (f.source && snapshotSource(s) !== f.source) return false;
    const t = snapshotTimeMs(s);
    if (f.sinceMs && t < f.sinceMs) return false;
    if (f.untilMs && t > f.untilMs) return false;
    return true;
  });
}

/** Throws Interrupted when `signal` has aborted (toRpcError makes it CANCELLED). */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new CofferError(ErrorCode.Interrupted, `${what} interrupted`);
}
