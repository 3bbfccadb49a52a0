/**
 * Resolving a snapshot reference of a request against a session's loaded snapshot list
 * (no store access): `latest`, a full id, or a unique prefix of at least 4 hex
 * characters. Errors are RpcErrors naming the reference: malformed or ambiguous →
 * INVALID_ARGUMENT, unknown → NOT_FOUND, a damaged snapshot file → DATA_LOSS.
 */
import { status } from '@grpc/grpc-js';
import type { CofferError } from '@coffer/shared/errors.js';
import { invalidRpc, notFoundRpc, RpcError } from '@coffer/shared/rpc/errors.js';
import type { SnapshotRecord } from '../engine/snapshot.js';

/** The snapshot `ref` names among `intact` (oldest first) and the `damaged` files. */
export function resolveSnapshotRef(
  intact: readonly SnapshotRecord[],
  damaged: ReadonlyMap<string, CofferError>,
  ref: string,
  display: string,
): SnapshotRecord {
  if (ref === 'latest') {
    const last = intact[intact.length - 1];
    if (!last) throw new RpcError(status.NOT_FOUND, `the store ${display} has no ${damaged.size ? 'readable ' : ''}snapshots yet`);
    return last;
  }
  if (!/^[0-9a-f]{4,64}$/.test(ref)) {
    throw invalidRpc('snapshot', `'${ref.slice(0, 80)}' is not a snapshot id: give 'latest', a full id or a prefix of at least 4 hex characters`);
  }
  const matches = [...intact.map((r) => r.id), ...damaged.keys()].filter((id) => id.startsWith(ref));
  if (matches.length === 0) throw notFoundRpc('snapshot', ref, `list the snapshots of ${display}`);
  if (matches.length > 1) throw invalidRpc('snapshot', `prefix '${ref}' is ambiguous (${matches.length} matches); give more characters`);
  const id = matches[0] as string;
  const record = intact.find((r) => r.id === id);
  if (record) return record;
  throw new RpcError(status.DATA_LOSS, `${damaged.get(id)?.message ?? `snapshot file ${id.slice(0, 12)} is damaged`}; remove it with 'coffer at ${display} rm --apply ${id.slice(0, 12)}'`);
}
